#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "python/endpoint_table.hpp"
#include "python/job.hpp"
#include "python/py_ref.hpp"

namespace snasio::python {

/// The jobs whose async handlers still run as Tasks on the loop, with what
/// their answers will need; and, for the log of a shutdown that stops
/// waiting for Python, how many run of each route.
class running_jobs {
 public:
  /// A job whose handler still runs.
  struct running {
    job_ptr j;       // its answer, and what names it in the log
    py_ref task;     // the handler's Task: to cancel
    py_ref request;  // for an answer that streams (a file's Range, say)
  };

  explicit running_jobs(const endpoint_table& endpoints) : endpoints_(endpoints) {}

  /// Sizes the counts by route, once the app's routes are all known.
  void routes_known(std::size_t count);
  /// Keeps a job whose handler was started (GIL thread).
  void add(job_ptr j, py_ref task, py_ref request);
  /// The running job `id`; nullptr when it is not running (GIL thread).
  running* find(std::uint64_t id);
  /// Takes job `id` out (its handler is done, or abandoned); nullopt when it
  /// is not running (GIL thread).
  std::optional<running> take(std::uint64_t id);
  /// Whether no handler is running (GIL thread).
  bool empty() const noexcept { return jobs_.empty(); }
  /// Takes every running job out, for a shutdown (GIL thread).
  std::unordered_map<std::uint64_t, running> take_all();
  /// Marks `j` as the job whose handler runs its first step now, before it
  /// is kept (nullptr: none): counted and listed with the running ones (GIL thread).
  void first_step(job* j) noexcept;
  /// The job marked by first_step(), or nullptr (GIL thread).
  job* first_step() const noexcept { return first_step_; }
  /// Calls `f(const job&)` for each running job (GIL thread).
  template <class F>
  void each(F&& f) const {
    if (first_step_) f(*first_step_);
    for (const auto& [id, r] : jobs_) f(*r.j);
  }
  /// What runs now, by route ("modes_app.slow (async) x2"), or "" (any
  /// thread: from counts kept in atomics).
  std::string describe() const;
  /// How many handlers of route `route` run now (any thread, a signal handler's too).
  int count_of(std::size_t route) const noexcept {
    return route < route_count_ ? by_route_[route].load(std::memory_order_relaxed) : 0;
  }
  /// How many routes there are.
  std::size_t route_count() const noexcept { return route_count_; }

 private:
  void count(std::size_t route, int change) noexcept;
  job* first_step_ = nullptr;

  const endpoint_table& endpoints_;
  std::unordered_map<std::uint64_t, running> jobs_;  // by job id
  std::unique_ptr<std::atomic<int>[]> by_route_;
  std::size_t route_count_ = 0;
};

}  // namespace snasio::python
