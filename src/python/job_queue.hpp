#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

#include "python/job.hpp"
#include "python/python_config.hpp"

namespace snasio::python {

/// What the reactor tells the GIL thread about a job after handing it over
/// (snasio._contract.JobEvent).
struct job_event {
  enum class kind {
    abandoned,  ///< nobody will read its answer: cancel its handler if it still runs
    written,    ///< its answer is written: clean-ups that waited for it run
    room,       ///< its stream has room for the next piece
    draining,   ///< (no job) the server drains: event streams end
  };
  std::uint64_t job_id = 0;
  kind what = kind::abandoned;
  bool operator==(const job_event&) const = default;
};

/// The bounded channel from the reactor to the GIL thread.
///
/// The reactor only ever tries to push: a full queue refuses at once (the
/// client gets 503) and the reactor keeps serving. Pushing does not wake the
/// consumer: the reactor calls wake_if_needed() once after a burst of pushes
/// (once per reactor iteration), so one wake-up carries a whole batch. The
/// GIL thread's event loop watches an eventfd, takes every waiting job in one
/// go, and reports each job as started when its handler begins; the bound
/// counts every job not started yet, whether still queued or already taken.
class job_queue {
 public:
  explicit job_queue(std::size_t depth = default_queue_depth);
  ~job_queue();
  job_queue(const job_queue&) = delete;
  job_queue& operator=(const job_queue&) = delete;

  /// Changes the bound (before anything is pushed: the app's settings are
  /// known only once it is imported).
  void set_depth(std::size_t depth) noexcept { depth_ = depth; }
  /// Queues `j` unless the queue is full or closed; never blocks (reactor).
  /// On refusal `j` is left untouched, so the caller can still answer it.
  bool try_push(job& j);
  /// Tells the GIL thread something about job `job_id`; never blocks (reactor).
  void tell(std::uint64_t job_id, job_event::kind what);
  /// Wakes the consumer if something was pushed into an empty queue since
  /// the last wake-up (producer side, after a burst of pushes).
  void wake_if_needed();
  /// Moves every queued job to the end of `jobs` (swapping vectors when
  /// `jobs` is empty, as it usually is), every event to the end of `events`,
  /// and clears the wake-up (GIL thread).
  void take_all(std::vector<job>& jobs, std::vector<job_event>& events);
  /// Marks `n` taken jobs as started, freeing their places in the bound.
  void started(std::size_t n = 1) noexcept { unstarted_.fetch_sub(n, std::memory_order_relaxed); }
  /// Refuses every later push and wakes the consumer.
  void close();
  /// Whether close() was called.
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  /// The descriptor that becomes readable when jobs (or close) are waiting.
  int wake_fd() const noexcept { return wake_fd_; }
  /// How many jobs have not started yet.
  std::size_t unstarted() const noexcept { return unstarted_.load(std::memory_order_relaxed); }

 private:
  void wake();

  std::size_t depth_;
  int wake_fd_;
  std::mutex mutex_;
  std::vector<job> jobs_;
  std::vector<job_event> events_;
  std::atomic<std::size_t> unstarted_{0};
  std::atomic<bool> wake_needed_{false};
  std::atomic<bool> closed_{false};
};

}  // namespace snasio::python
