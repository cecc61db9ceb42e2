#pragma once

#include <string>

namespace snasio::app {

/// Kills every process descended from this one (pool workers, the fork
/// server, its helpers) with SIGKILL; returns how many. For an exit that
/// cannot wait for them to stop on their own.
std::size_t kill_descendants();

/// The name of a signal, "SIGTERM" for 15.
std::string signal_name(int signo);

/// Flushes the C streams and exits at once with `code`: no destructors, no
/// interpreter finalization (which would wait for threads that never end).
[[noreturn]] void exit_now(int code);

}  // namespace snasio::app
