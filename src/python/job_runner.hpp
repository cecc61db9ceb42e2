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

/// Runs jobs: builds each Request, calls its handler as planned, turns the
/// outcome into an answer and hands answers back to the reactor in batches.
/// The GIL thread runs the loop's lane with run_batch() (async handlers, and
/// the events of every job); the sync threads run sync jobs with run_sync().
/// Every call is made with the GIL held, which guards what they share.
class job_runner {
 public:
  job_runner(job_queue& jobs, reply_queue& replies, const endpoint_table& endpoints, py_objects& py);
  job_runner(const job_runner&) = delete;
  job_runner& operator=(const job_runner&) = delete;

  /// Runs every waiting job and event of the loop's lane and hands their
  /// replies over in one go; true once the queue is closed
  /// (`_snasio._run_batch`, when the lane's eventfd fires; GIL thread).
  bool run_batch();
  /// Runs a sync job, its answer into `out` (a sync thread).
  void run_sync(job& j, outbox& out);
  /// Hands `out`'s replies to the reactor, then starts its streams' pumps.
  void flush(outbox& out);
  /// Starts the pumps `out` names, once their heads are handed over (and
  /// hands over the cut of a stream whose pump could not start).
  void start_pumps(outbox& out) {
    streams_.start_pumps(out);
    replies_.push(out.replies);
  }
  /// An async handler is done (`_snasio._handler_done`): it returned
  /// `result`, or raised `error`.
  void handler_done(std::uint64_t job_id, PyObject* result, PyObject* error);
  /// The next piece of the stream that answers job `job_id`
  /// (`_snasio._stream_send`). Off the loop's thread (a blocking thread
  /// reading a file) the caller schedules the flush itself: `schedule` false.
  void stream_send(std::uint64_t job_id, std::string bytes, net::piece_end end, bool schedule = true);
  /// Hands the GIL thread's finished replies to the reactor (`_snasio._flush`).
  void flush() { flush(loop_out_); }
  /// Takes the next step of each handler parked at a bare yield (the loop
  /// calls `_snasio._resume_parked` at its next iteration).
  void resume_parked();
  /// The loop has stopped: every job left is answered 503, every stream cut.
  void shut_down();
  /// The nesting bound for JSON in and out (--max-json-depth), before serving.
  void set_max_json_depth(std::size_t depth) noexcept { max_json_depth_ = depth; }
  /// Sizes the counts of what runs, once the app's routes are all known.
  void routes_known(std::size_t count) { running_.routes_known(count); }
  /// The async handlers running now, by route (any thread).
  const running_jobs& running() const noexcept { return running_; }

 private:
  py_ref start(job& j, outbox& out, py_ref& pool);
  /// Answers a finished async handler's job with its outcome.
  void finish(job& j, PyObject* request, PyObject* result, PyObject* error);
  void answer(job& j, PyObject* request, PyObject* result, PyObject* error, outbox& out);
  void abandon(std::uint64_t job_id);
  void tell(PyObject* callback, std::uint64_t job_id, const char* what);
  void schedule_flush();
  bool park(handler_call::parked&& p, PyObject* loop);

  job_queue& jobs_;
  reply_queue& replies_;
  const endpoint_table& endpoints_;
  py_objects& py_;
  handler_call handlers_;
  running_jobs running_;
  open_streams streams_;
  std::size_t max_json_depth_ = default_max_json_depth;

  // The GIL thread's own.
  std::vector<job_ptr> batch_;
  std::vector<job_event> events_;
  outbox loop_out_;  // finished replies not yet handed to the reactor
  bool flush_scheduled_ = false;
  // Handlers parked at a bare yield, for their next step; and the loop.
  std::vector<handler_call::parked> parked_, resuming_;
  py_ref parked_loop_;
};

}  // namespace snasio::python
