#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

#include "python/endpoint_table.hpp"
#include "python/job.hpp"
#include "python/job_queue.hpp"
#include "python/open_streams.hpp"
#include "python/reply_queue.hpp"

namespace snasio::python {

class job_runner;

/// The sync threads: they run sync handlers, so that one that blocks (waits
/// with the GIL released: sleep, sockets, files, sqlite) holds up no other
/// Python route, and none of them runs the event loop.
///
/// One of them at a time, the active one, takes the sync lane's jobs as they
/// come and runs them back to back, with no hand-off between quick ones. A
/// watcher thread (no Python) looks at it now and then: once its handler has
/// run `handoff_after` without returning, another thread becomes the active
/// one (started if none waits), as Go's scheduler hands a processor on when
/// a thread blocks in a system call. The GIL then goes to whichever thread
/// can run Python. The watcher also logs, once per route, a handler that
/// holds the GIL past --gil-hold-warning.
class sync_runners {
 public:
  /// A handler that has run this long without returning hands the sync lane
  /// on to another thread: long enough that quick handlers never pay a
  /// hand-off, short against the latency of the requests behind it.
  static constexpr std::chrono::milliseconds handoff_after{2};

  sync_runners(job_queue& jobs, reply_queue& replies, job_runner& runner, const endpoint_table& endpoints);
  ~sync_runners();
  sync_runners(const sync_runners&) = delete;
  sync_runners& operator=(const sync_runners&) = delete;

  /// Starts the first sync thread and the watcher (GIL held): at most
  /// `max_threads` sync threads (--blocking-threads); a handler that holds
  /// the GIL `gil_warning` is logged (--gil-hold-warning; zero: never).
  void start(std::size_t max_threads, std::chrono::milliseconds gil_warning);
  /// Once the job queue is closed: ends every sync thread and the watcher,
  /// waiting for handlers still running (GIL released).
  void stop();
  /// The sync handlers running now, by route ("app.sleepy (sync) x2"), or ""
  /// (any thread).
  std::string describe() const;
  /// The job the calling thread runs now, if it is a sync thread in a
  /// handler; nullptr otherwise (safe in a signal handler).
  static const job* current_job() noexcept;

 private:
  /// One sync thread, as it and the watcher see it.
  struct worker {
    std::thread thread;
    std::atomic<std::int64_t> handler_since{0};  // steady clock, ns, when its job began; 0: none
    std::atomic<const job*> current{nullptr};   // the job it runs (read by its own fatal signal only)
    std::atomic<std::ptrdiff_t> route{-1};      // the route of that job, for the watcher and the log
    std::atomic<bool> idle{false};              // waiting to be the active one
    clockid_t cpu_clock{};                      // its CPU time (set before its first job)
    // Answers of the jobs it finished, not yet handed to the reactor: after
    // each job they move here, so that when its next handler blocks, the
    // watcher can send them on (they would wait for the handler otherwise).
    std::mutex ready_mutex;
    std::vector<reply_queue::reply> ready;
    // The watcher's own notes on the handler it last saw running here.
    std::int64_t seen_since = 0, seen_at = 0, cpu_at_seen = 0;
  };

  void run(worker& self, std::size_t me);
  void serve(worker& self, std::size_t me, PyThreadState* state);
  void send_ready(worker& w);
  // Out of line, so that callgrind counts a job's whole cost on this thread
  // under its name (bench/instructions.py).
  [[gnu::noinline]] bool run_next(worker& self, outbox& out);
  void wait_for_jobs(std::size_t me, bool low_load);
  void watch();
  bool hand_off(std::unique_lock<std::mutex>& lock);
  void note_gil_holder(worker& w, std::int64_t since, std::int64_t now);
  void spawn(std::size_t index);

  job_queue& jobs_;
  reply_queue& replies_;
  job_runner& runner_;
  const endpoint_table& endpoints_;
  PyInterpreterState* interpreter_ = nullptr;
  std::size_t max_threads_ = 1;
  std::chrono::milliseconds gil_warning_{0};

  mutable std::mutex mutex_;
  std::condition_variable baton_;  // a waiting thread becomes the active one
  std::condition_variable watch_;  // the watcher's sleep
  std::deque<worker> workers_;     // a deque: a worker never moves once made
  std::atomic<std::size_t> count_{0};
  std::atomic<std::size_t> active_{0};
  std::atomic<bool> watcher_asleep_{false};
  bool wake_watcher_ = false;
  bool stopping_ = false;
  std::thread watcher_;
  std::vector<bool> warned_routes_;  // the watcher's: routes already logged as holding the GIL
  std::chrono::steady_clock::time_point next_busy_log_;
};

}  // namespace snasio::python
