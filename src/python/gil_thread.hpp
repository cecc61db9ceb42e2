#pragma once

#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "python/endpoint_table.hpp"
#include "python/job_queue.hpp"
#include "python/job_runner.hpp"
#include "python/one_shot.hpp"
#include "python/py_objects.hpp"
#include "python/python_config.hpp"

namespace snasio::python {

/// The one thread that owns the interpreter: it starts it, imports the app,
/// runs the asyncio loop every handler runs on, and finalizes it.
class gil_thread {
 public:
  gil_thread(python_config config, job_queue& jobs, reply_queue& replies);
  ~gil_thread();
  gil_thread(const gil_thread&) = delete;
  gil_thread& operator=(const gil_thread&) = delete;

  /// Starts the thread and waits until the app is imported; throws startup_error.
  std::vector<python_route> start();
  /// Calls `finished` on the GIL thread as its very last act, once the
  /// interpreter is finalized (set it before closing the job queue).
  void on_finished(std::function<void()> finished) { finished_ = std::move(finished); }
  /// Waits for the thread to end (close the job queue first).
  void join();
  /// Lets the thread go: it is not waited for (it may never end).
  void detach();
  /// What is still running in Python, for a shutdown that stops waiting (any thread).
  std::string describe_running() const { return runner_.describe_running(); }

 private:
  void run(std::promise<std::vector<python_route>>& started);
  void serve();

  python_config config_;
  job_queue& jobs_;
  std::thread thread_;
  std::function<void()> finished_;

  // Everything below is used on the GIL thread only.
  py_objects py_;
  endpoint_table endpoints_;
  job_runner runner_;
};

}  // namespace snasio::python
