#pragma once

#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "python/job.hpp"
#include "python/job_queue.hpp"
#include "python/one_shot.hpp"
#include "python/py_objects.hpp"
#include "python/python_config.hpp"
#include "routing/router.hpp"

namespace snasio::python {

/// A Python route as the router needs it: plain values, safe on any thread.
struct python_route {
  std::vector<std::string> methods;
  std::string pattern;
  std::string name;  ///< "module.function", for the route table and logs
  bool is_async = false;
  bool use_pool = false;
  bool blocking = false;
};

/// What @route hands over while the app is imported (GIL thread).
struct route_request {
  std::vector<std::string> methods;
  std::string pattern;
  py_ref func;
  bool is_async = false;
  bool use_pool = false;
  bool blocking = false;
};

/// The one thread that owns the interpreter: it starts it, imports the app,
/// runs every Python handler on its asyncio loop, and finalizes it.
class gil_thread {
 public:
  gil_thread(python_config config, job_queue& jobs, reply_queue& replies);
  ~gil_thread();
  gil_thread(const gil_thread&) = delete;
  gil_thread& operator=(const gil_thread&) = delete;

  /// Starts the thread and waits until the app is imported; throws startup_error.
  std::vector<python_route> start();
  /// Waits for the thread to end (close the job queue first).
  void join();

  // Called from the `_snasio` module, on this thread, with the GIL held:
  /// Registers a route during import; false with a Python exception set if refused.
  bool add_route(route_request r);
  /// Runs every waiting job; true once the queue is closed and nothing is left.
  bool drain();
  /// Delivers the outcome of a handler that finished after its batch.
  void complete(std::uint64_t token, PyObject* result, PyObject* error);
  /// Hands every finished reply to the reactor in one go.
  void flush();

 private:
  /// Arranges for flush() at the next loop iteration (once per iteration).
  void schedule_flush();
  /// A job whose handler is still running (a task or a worker).
  struct parked {
    std::size_t endpoint;
    std::string method;
    std::string path;
    one_shot reply;
  };

  void run(std::promise<std::vector<python_route>>& started);
  void load_objects();
  void import_app();
  void serve();
  void shut_down();
  void handle(job& j, std::vector<reply_queue::reply>& out);
  bool offload(job& j, py_ref request, py_ref call_result);
  http::response finish(std::size_t endpoint, const std::string& method, const std::string& path, PyObject* result);
  http::response response_for_exception(std::size_t endpoint, const std::string& method, const std::string& path);

  python_config config_;
  job_queue& jobs_;
  reply_queue& replies_;
  std::thread thread_;

  // Everything below lives on the GIL thread only.
  py_objects py_;
  std::vector<route_request> endpoints_;  // index = python route id
  std::vector<python_route> routes_;
  routing::router validator_;  // compiles each pattern at registration, to refuse bad ones early
  std::vector<job> batch_;
  std::vector<std::uint64_t> cancels_;
  std::vector<reply_queue::reply> out_;  // finished replies not yet handed to the reactor
  bool flush_scheduled_ = false;
  std::unordered_map<std::uint64_t, parked> parked_;  // by job id
};

}  // namespace snasio::python
