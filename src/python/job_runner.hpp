#pragma once

#include <cstddef>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "python/endpoint_table.hpp"
#include "python/job.hpp"
#include "python/job_queue.hpp"
#include "python/json_convert.hpp"
#include "python/one_shot.hpp"
#include "python/py_objects.hpp"
#include "python/response_builder.hpp"

namespace snasio::python {

/// Runs jobs on the GIL thread: builds each Request, calls its handler in the
/// route's execution mode, and hands the answers back to the reactor in batches.
class job_runner {
 public:
  job_runner(job_queue& jobs, reply_queue& replies, const endpoint_table& endpoints, py_objects& py);
  job_runner(const job_runner&) = delete;
  job_runner& operator=(const job_runner&) = delete;

  /// Runs every waiting job and hands their replies over in one go; true once
  /// the queue is closed (`_snasio._run_batch`, when the queue's eventfd fires).
  bool run_batch();
  /// A handler that ran as a task or on a dispatch thread is done
  /// (`_snasio._handler_done`): it returned `result`, or raised `error`.
  void handler_done(std::uint64_t job_id, PyObject* result, PyObject* error);
  /// Hands every finished reply to the reactor (`_snasio._flush`).
  void flush();
  /// The next piece of the stream that answers job `job_id`
  /// (`_snasio._stream_send`); the stream is forgotten once `end` says so.
  /// Off the loop's thread (a dispatch thread reading a file) the caller
  /// schedules the flush itself: `schedule` false.
  void stream_send(std::uint64_t job_id, std::string bytes, net::piece_end end, bool schedule = true);
  /// The loop has stopped: every job left is answered 503.
  void shut_down();
  /// The nesting bound for JSON in and out (--max-json-depth), before serving.
  void set_max_json_depth(std::size_t depth) noexcept { max_json_depth_ = depth; }
  /// Sizes the counts of what runs, once the app's routes are all known.
  void routes_known(std::size_t count);
  /// What is still running, by route ("modes_app.sleepy (blocking) x2"), for
  /// the log of a shutdown that stops waiting for it (any thread).
  std::string describe_running() const;

 private:
  /// A job whose handler still runs, as a task or on a dispatch thread.
  struct running {
    std::size_t route;
    std::string method;
    std::string path;
    std::string request_id;
    one_shot reply;
    py_ref task;  // the handler's Task, or a blocking handler's future: to cancel
    py_ref request;  // for an answer that streams (a file's Range, say)
  };

  void run(job& j);
  void forget(std::unordered_map<std::uint64_t, running>::iterator it);
  bool next_job_soon();
  void clean_up(std::uint64_t job_id);
  py_ref call(const job& j, PyObject* request, PyObject* pool);
  bool arguments(const job& j, PyObject* request, PyObject* pool, PyObject** out);
  py_ref start(const job& j, PyObject* request, PyObject* pool);
  void answer(one_shot& reply, std::size_t route, const std::string& method, const std::string& path,
              const std::string& request_id, PyObject* request, std::uint64_t job_id,
              PyObject* result, PyObject* error);
  void schedule_flush();
  void start_stream(one_shot& reply, std::uint64_t job_id, PyObject* request, PyObject* result,
                    const request_label& label);
  void tell_streams(const job_event& e);
  void cancel_task(PyObject* task);

  job_queue& jobs_;
  reply_queue& replies_;
  const endpoint_table& endpoints_;
  py_objects& py_;
  std::size_t max_json_depth_ = default_max_json_depth;

  std::vector<job> batch_;
  std::vector<job_event> events_;
  std::vector<reply_queue::reply> out_;  // finished replies not yet handed to the reactor
  bool flush_scheduled_ = false;
  std::unordered_map<std::uint64_t, running> running_;  // by job id
  /// Streams being sent, by job id: where their pieces go, and the task
  /// that pumps them (to cancel when the client leaves).
  struct stream {
    net::responder to;
    py_ref task;
  };
  std::unordered_map<std::uint64_t, stream> streams_;

  // Read by the reactor when the GIL thread does not finish at shutdown.
  std::atomic<std::ptrdiff_t> inline_route_{-1};  // the sync handler running now, if any
  std::unique_ptr<std::atomic<int>[]> running_by_route_;  // tasks and dispatch-thread jobs
  std::size_t route_count_ = 0;
};

}  // namespace snasio::python
