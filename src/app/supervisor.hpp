#pragma once

#include <functional>

#include "app/config.hpp"

namespace snasio::app {

/// Runs `run_worker` in --workers processes that serve one listening socket,
/// bound here first and inherited by each (so --port 0 is one port for all,
/// and the one "listening" line names it). A worker that dies is started
/// again after a back-off that doubles with each failure in a row; one that
/// exits 0 on its own (--max-requests) is replaced at once. SIGINT and SIGTERM
/// are passed on to every worker, which drains as a lone server does; with
/// --reload, a change to a .py file under --app-dir restarts them. Returns the
/// exit status: 0 when every worker stopped cleanly. Call it before anything
/// has started a thread: workers are forked.
int supervise(config cfg, const std::function<int(const config&)>& run_worker);

}  // namespace snasio::app
