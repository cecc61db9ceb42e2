#include "python/job_queue.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <iterator>
#include <system_error>

namespace snasio::python {

job_queue::job_queue(std::size_t depth) : depth_(depth), wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

job_queue::~job_queue() { ::close(wake_fd_); }

bool job_queue::try_push(job& j) {
  if (closed()) return false;
  // Reserve a place first; give it back if the bound is already reached.
  if (unstarted_.fetch_add(1, std::memory_order_relaxed) >= depth_) {
    unstarted_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  bool was_empty;
  {
    std::lock_guard lock(mutex_);
    was_empty = jobs_.empty() && events_.empty();
    jobs_.push_back(std::move(j));
  }
  // The consumer takes everything each time it wakes, so only a push into an
  // empty queue needs to wake it, and the wake-up waits for wake_if_needed():
  // one eventfd write per batch, not per job.
  if (was_empty) wake_needed_.store(true, std::memory_order_relaxed);
  return true;
}

void job_queue::tell(std::uint64_t job_id, job_event::kind what) {
  bool was_empty;
  {
    std::lock_guard lock(mutex_);
    was_empty = jobs_.empty() && events_.empty();
    events_.push_back({job_id, what});
  }
  if (was_empty) wake_needed_.store(true, std::memory_order_relaxed);
}

void job_queue::wake_if_needed() {
  if (wake_needed_.exchange(false, std::memory_order_relaxed)) wake();
}

void job_queue::take_all(std::vector<job>& out, std::vector<job_event>& events) {
  // Clear the wake-up before taking: a push that lands after the take finds
  // the queue empty and wakes us again, so no job is ever stranded.
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof count);
  std::lock_guard lock(mutex_);
  if (out.empty()) {
    out.swap(jobs_);
  } else {
    std::move(jobs_.begin(), jobs_.end(), std::back_inserter(out));
    jobs_.clear();
  }
  events.insert(events.end(), events_.begin(), events_.end());
  events_.clear();
}

void job_queue::close() {
  closed_.store(true, std::memory_order_release);
  wake();
}

void job_queue::wake() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace snasio::python
