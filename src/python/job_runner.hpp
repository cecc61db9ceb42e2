#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "python/endpoint_table.hpp"
#include "python/handler_call.hpp"
#include "python/job.hpp"
#include "python/job_queue.hpp"
#include "python/open_streams.hpp"
#include "python/py_objects.hpp"
#include "python/python_config.hpp"
#include "python/reply_queue.hpp"
#include "python/running_jobs.hpp"

namespace snasio::python {

/// The GIL thread's batch loop: takes every waiting job and event at once,
/// builds each Request and calls its handler as planned, turns outcomes into
/// answers, and hands the answers back to the reactor in one go.
class job_runner {
 public:
  job_runner(job_queue& jobs, reply_queue& replies, const endpoint_table& endpoints, py_objects& py);
  job_runner(const job_runner&) = delete;
  job_runner& operator=(const job_runner&) = delete;

  /// Runs every waiting job and event and hands their replies over in one go;
  /// true once the queue is closed (`_snasio._run_batch`, when the queue's
  /// eventfd fires).
  bool run_batch();
  /// A handler that ran as a task or on a blocking thread is done
  /// (`_snasio._handler_done`): it returned `result`, or raised `error`.
  void handler_done(std::uint64_t job_id, PyObject* result, PyObject* error);
  /// The next piece of the stream that answers job `job_id`
  /// (`_snasio._stream_send`). Off the loop's thread (a blocking thread
  /// reading a file) the caller schedules the flush itself: `schedule` false.
  void stream_send(std::uint64_t job_id, std::string bytes, net::piece_end end, bool schedule = true);
  /// Hands every finished reply to the reactor (`_snasio._flush`).
  void flush();
  /// The loop has stopped: every job left is answered 503, every stream cut.
  void shut_down();
  /// The nesting bound for JSON in and out (--max-json-depth), before serving.
  void set_max_json_depth(std::size_t depth) noexcept { max_json_depth_ = depth; }
  /// Sizes the counts of what runs, once the app's routes are all known.
  void routes_known(std::size_t count) { running_.routes_known(count); }
  /// What is still running, by route, for the log of a shutdown that stops
  /// waiting for it (any thread).
  std::string describe_running() const { return running_.describe(); }

 private:
  void run(job& j);
  void answer(job& j, PyObject* request, PyObject* result, PyObject* error);
  void abandon(std::uint64_t job_id);
  void tell(PyObject* callback, std::uint64_t job_id, const char* what);
  void schedule_flush();

  job_queue& jobs_;
  reply_queue& replies_;
  const endpoint_table& endpoints_;
  py_objects& py_;
  handler_call handlers_;
  running_jobs running_;
  open_streams streams_;
  std::size_t max_json_depth_ = default_max_json_depth;

  std::vector<job> batch_;
  std::vector<job_event> events_;
  std::vector<reply_queue::reply> out_;  // finished replies not yet handed to the reactor
  bool flush_scheduled_ = false;
};

}  // namespace snasio::python
