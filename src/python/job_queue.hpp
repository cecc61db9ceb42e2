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

/// The bounded channel from the reactor to the Python side, in two lanes:
/// one to the GIL thread's event loop (async handlers, and every event), one
/// to the sync threads (sync handlers), each with its own eventfd.
///
/// The reactor only ever tries to push: a full queue refuses at once (the
/// client gets 503) and the reactor keeps serving. Pushing does not wake the
/// consumer: the reactor calls wake_if_needed() once after a burst of pushes
/// (once per reactor iteration), so one wake-up carries a whole batch. A
/// consumer takes every waiting job of its lane in one go, and reports each
/// job as started when its handler begins; the bound (--queue-depth) counts
/// every job not started yet, in both lanes, whether still queued or taken.
class job_queue {
 public:
  /// Which thread takes a job.
  enum class lane { loop, sync };

  explicit job_queue(std::size_t depth = default_queue_depth);
  ~job_queue();
  job_queue(const job_queue&) = delete;
  job_queue& operator=(const job_queue&) = delete;

  /// Changes the bound (before anything is pushed: the app's settings are
  /// known only once it is imported).
  void set_depth(std::size_t depth) noexcept { depth_ = depth; }
  /// Queues `j` in lane `to` unless the queue is full or closed; never
  /// blocks (reactor). On refusal `j` is left untouched, so the caller can
  /// still answer it.
  bool try_push(job_ptr& j, lane to = lane::loop);
  /// Tells the GIL thread something about job `job_id`; never blocks (reactor).
  void tell(std::uint64_t job_id, job_event::kind what);
  /// Wakes the consumer of each lane pushed into since its last wake-up
  /// (producer side, after a burst of pushes).
  void wake_if_needed();
  /// Moves every job of the loop's lane to the end of `jobs` (swapping
  /// vectors when `jobs` is empty, as it usually is), every event to the end
  /// of `events`, and clears the lane's wake-up (GIL thread).
  void take_all(std::vector<job_ptr>& jobs, std::vector<job_event>& events);
  /// Takes the oldest job of the sync lane into `out`; false when there is
  /// none (the active sync thread). One at a time, as each starts: a thread
  /// whose handler blocks holds no job that another could run.
  bool take_sync(job_ptr& out);
  /// Moves every job of the sync lane to the end of `jobs` (at shutdown).
  void take_all_sync(std::vector<job_ptr>& jobs);
  /// Clears the sync lane's wake-up, before its thread looks and sleeps.
  void clear_sync_wake() { sync_.clear_wake(); }
  /// Whether the sync lane holds a job, and how many (any thread).
  bool sync_waiting() const noexcept { return sync_count() > 0; }
  std::size_t sync_count() const noexcept { return sync_.count.load(std::memory_order_relaxed); }
  /// Marks `n` taken jobs as started, freeing their places in the bound.
  void started(std::size_t n = 1) noexcept { unstarted_.fetch_sub(n, std::memory_order_relaxed); }
  /// Refuses every later push and wakes both consumers.
  void close();
  /// Whether close() was called.
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  /// The descriptor that becomes readable when jobs or events (or close) wait
  /// in the loop's lane; sync_wake_fd() likewise for the sync lane.
  int wake_fd() const noexcept { return loop_.wake_fd; }
  int sync_wake_fd() const noexcept { return sync_.wake_fd; }
  /// How many jobs have not started yet.
  std::size_t unstarted() const noexcept { return unstarted_.load(std::memory_order_relaxed); }

 private:
  struct channel {
    channel();
    ~channel();
    void wake();
    void clear_wake();
    int wake_fd;
    std::vector<job_ptr> jobs;
    std::size_t taken = 0;              // the sync lane's: jobs before it were taken one by one (moved out)
    std::atomic<std::size_t> count{0};  // jobs waiting (jobs.size() - taken), readable without the lock
    std::atomic<bool> wake_needed{false};
  };
  void push(channel& c, job_ptr& j);

  std::size_t depth_;
  std::mutex mutex_;
  channel loop_, sync_;
  std::vector<job_event> events_;  // the loop's lane
  std::atomic<std::size_t> unstarted_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace snasio::python
