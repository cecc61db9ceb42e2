// A crash leaves a trace: what the process was doing when a fatal signal
// (SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL) ended it.
#pragma once

#include <cstddef>

#include "python/endpoint_table.hpp"
#include "python/running_jobs.hpp"

namespace snasio::python {

/// Makes a fatal signal write, before the process dies of it, one line naming
/// the signal and the request that was running (a sync thread's job; else the
/// async handlers that were running), then Python's traceback of every thread
/// (faulthandler). The exit status stays the signal's. Call once, with the
/// GIL held, the app imported; throws startup_error if faulthandler fails.
void trace_fatal_signals(const endpoint_table& endpoints, const running_jobs& async_jobs);

/// Where the line also goes: a buffer the supervisor of a worker process
/// reads once the worker has died (shared memory; null: none). Call before
/// trace_fatal_signals.
void leave_crash_note_in(char* buffer, std::size_t size);

}  // namespace snasio::python
