#include "python/job_queue.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <iterator>
#include <system_error>

namespace snasio::python {

job_queue::channel::channel() : wake_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (wake_fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

job_queue::channel::~channel() { ::close(wake_fd); }

void job_queue::channel::wake() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
}

void job_queue::channel::clear_wake() {
  std::uint64_t count;
  [[maybe_unused]] auto n = ::read(wake_fd, &count, sizeof count);
}

job_queue::job_queue(std::size_t depth) : depth_(depth) {}

job_queue::~job_queue() = default;

bool job_queue::try_push(job_ptr& j, lane to) {
  if (closed()) return false;
  // Reserve a place first; give it back if the bound is already reached.
  if (unstarted_.fetch_add(1, std::memory_order_relaxed) >= depth_) {
    unstarted_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  push(to == lane::loop ? loop_ : sync_, j);
  return true;
}

void job_queue::push(channel& c, job_ptr& j) {
  bool was_empty;
  {
    std::lock_guard lock(mutex_);
    was_empty = c.jobs.size() == c.taken && (&c != &loop_ || events_.empty());
    c.jobs.push_back(std::move(j));
    c.count.store(c.jobs.size() - c.taken, std::memory_order_relaxed);
  }
  // The consumer takes everything each time it wakes, so only a push into an
  // empty lane needs to wake it, and the wake-up waits for wake_if_needed():
  // one eventfd write per batch, not per job.
  if (was_empty) c.wake_needed.store(true, std::memory_order_relaxed);
}

void job_queue::tell(std::uint64_t job_id, job_event::kind what) {
  bool was_empty;
  {
    std::lock_guard lock(mutex_);
    was_empty = loop_.jobs.empty() && events_.empty();
    events_.push_back({job_id, what});
  }
  if (was_empty) loop_.wake_needed.store(true, std::memory_order_relaxed);
}

void job_queue::wake_if_needed() {
  for (channel* c : {&loop_, &sync_})
    if (c->wake_needed.exchange(false, std::memory_order_relaxed)) c->wake();
}

void job_queue::take_all(std::vector<job_ptr>& out, std::vector<job_event>& events) {
  // Clear the wake-up before taking: a push that lands after the take finds
  // the lane empty and wakes us again, so no job is ever stranded.
  loop_.clear_wake();
  std::lock_guard lock(mutex_);
  if (out.empty()) {
    out.swap(loop_.jobs);
  } else {
    std::move(loop_.jobs.begin(), loop_.jobs.end(), std::back_inserter(out));
    loop_.jobs.clear();
  }
  loop_.count.store(0, std::memory_order_relaxed);
  events.insert(events.end(), events_.begin(), events_.end());
  events_.clear();
}

bool job_queue::take_sync(job_ptr& out) {
  if (!sync_waiting()) return false;
  std::lock_guard lock(mutex_);
  if (sync_.jobs.size() == sync_.taken) return false;
  // Taken from the front without erasing it, which would move every job
  // behind it; the taken ones are dropped when the lane is empty, or when
  // they are most of it (so a lane that never empties does not grow).
  out = std::move(sync_.jobs[sync_.taken++]);
  if (sync_.taken == sync_.jobs.size()) {
    sync_.jobs.clear();
    sync_.taken = 0;
  } else if (sync_.taken > 64 && sync_.taken * 2 > sync_.jobs.size()) {
    sync_.jobs.erase(sync_.jobs.begin(), sync_.jobs.begin() + std::ptrdiff_t(sync_.taken));
    sync_.taken = 0;
  }
  sync_.count.store(sync_.jobs.size() - sync_.taken, std::memory_order_relaxed);
  return true;
}

void job_queue::take_all_sync(std::vector<job_ptr>& out) {
  std::lock_guard lock(mutex_);
  std::move(sync_.jobs.begin() + std::ptrdiff_t(sync_.taken), sync_.jobs.end(), std::back_inserter(out));
  sync_.jobs.clear();
  sync_.taken = 0;
  sync_.count.store(0, std::memory_order_relaxed);
}

void job_queue::close() {
  closed_.store(true, std::memory_order_release);
  loop_.wake();
  sync_.wake();
}

}  // namespace snasio::python
