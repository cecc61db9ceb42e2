#pragma once

#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "python/endpoint_table.hpp"
#include "python/job_queue.hpp"
#include "python/job_runner.hpp"
#include "python/py_objects.hpp"
#include "python/python_config.hpp"
#include "python/reply_queue.hpp"
#include "python/sync_runners.hpp"

namespace snasio::python {

/// What importing the app declared: its routes, as planned, and its settings.
struct imported_app {
  std::vector<python_route> routes;
  std::vector<app_setting> settings;
  std::string openapi;  ///< the OpenAPI document, JSON (empty: not served)
};

/// The one thread that owns the interpreter: it starts it, imports the app,
/// runs the asyncio loop the async handlers run on, starts the sync threads
/// the sync handlers run on, and finalizes it.
///
/// Start-up has two steps, so the app's own settings (snasio.configure) can
/// size what the loop starts with: start() imports the app and plans its
/// routes; serve() hands over the final settings, runs the start-up hooks and
/// starts the loop. A thread never told to serve finalizes when joined.
class gil_thread {
 public:
  gil_thread(python_config config, job_queue& jobs, reply_queue& replies);
  ~gil_thread();
  gil_thread(const gil_thread&) = delete;
  gil_thread& operator=(const gil_thread&) = delete;

  /// Starts the thread and waits until the app is imported; throws startup_error.
  imported_app start();
  /// Runs the start-up hooks with `final` (the command line over the app's
  /// settings) and waits for them; the loop then serves the job queue.
  /// Throws startup_error with a failing hook's traceback.
  void serve(python_config final);
  /// Calls `finished` on the GIL thread as its very last act, once the
  /// interpreter is finalized (set it before closing the job queue).
  void on_finished(std::function<void()> finished) { finished_ = std::move(finished); }
  /// Waits for the thread to end (close the job queue first).
  void join();
  /// Lets the thread go: it is not waited for (it may never end).
  void detach();
  /// What is still running in Python, for a shutdown that stops waiting (any thread).
  std::string describe_running() const;

 private:
  void run(std::promise<imported_app>& imported);
  bool launch();
  void run_loop();
  static void call_logged(PyObject* callback, const char* what);

  python_config config_;  // replaced by serve()'s before the loop starts
  job_queue& jobs_;
  std::thread thread_;
  std::function<void()> finished_;
  // serve() -> the thread: the final settings, or nothing (it is not to serve).
  std::promise<std::optional<python_config>> go_;
  bool go_sent_ = false;
  // The thread -> serve(): the start-up hooks' outcome.
  std::promise<void> launched_;

  // Everything below is used on the GIL thread only.
  py_objects py_;
  endpoint_table endpoints_;
  job_runner runner_;
  sync_runners sync_;
};

}  // namespace snasio::python
