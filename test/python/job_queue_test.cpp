#include "python/job_queue.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

using snasio::python::job;
using snasio::python::job_ptr;
using snasio::python::job_queue;

namespace {

job_ptr make_job(std::uint64_t id) {
  auto j = std::make_unique<job>();
  j->id = id;
  j->method = "GET";
  j->path = "/";
  j->path += std::to_string(id);
  return j;
}

bool readable(int fd, int timeout_ms = 0) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

}  // namespace

TEST_CASE("a released job's allocation is the next job's, for up to job::boxes_kept of them", "[job_queue]") {
  std::vector<job_ptr> first, second;
  std::set<const void*> released;
  for (std::uint64_t i = 0; i < 300; ++i) first.push_back(make_job(i));
  for (const auto& j : first) released.insert(j.get());
  first.clear();
  std::size_t reused = 0;
  for (std::uint64_t i = 0; i < 300; ++i) {
    second.push_back(make_job(i));
    reused += released.count(second.back().get());
  }
  // (Under AddressSanitizer none is kept: there only the jobs made anew are checked.)
  if constexpr (job::boxes_kept > 0) CHECK(reused >= std::min<std::size_t>(300, job::boxes_kept));
  CHECK(second[299]->path == "/299");  // a reused allocation holds a job made anew
}

TEST_CASE("a burst of pushes wakes the consumer once, when asked; taking clears the wake-up", "[job_queue]") {
  job_queue q(8);
  CHECK_FALSE(readable(q.wake_fd()));
  job_ptr j = make_job(1);
  REQUIRE(q.try_push(j));
  job_ptr k = make_job(2);
  REQUIRE(q.try_push(k));
  CHECK_FALSE(readable(q.wake_fd()));  // pushing alone wakes nobody
  q.wake_if_needed();
  CHECK(readable(q.wake_fd()));
  std::uint64_t count = 0;
  REQUIRE(::read(q.wake_fd(), &count, sizeof count) == sizeof count);
  CHECK(count == 1);  // one eventfd write for the burst
  q.wake_if_needed();
  CHECK_FALSE(readable(q.wake_fd()));  // nothing new since the last wake-up
  std::vector<job_ptr> jobs;
  std::vector<snasio::python::job_event> events;
  q.take_all(jobs, events);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0]->path == "/1");
  CHECK_FALSE(readable(q.wake_fd()));
  // The queue is empty again: the next push needs a wake-up.
  job_ptr l = make_job(3);
  REQUIRE(q.try_push(l));
  q.wake_if_needed();
  CHECK(readable(q.wake_fd()));
}

TEST_CASE("jobs come out in the order they went in", "[job_queue]") {
  job_queue q(16);
  for (std::uint64_t i = 1; i <= 10; ++i) {
    job_ptr j = make_job(i);
    REQUIRE(q.try_push(j));
  }
  std::vector<job_ptr> jobs;
  std::vector<snasio::python::job_event> events;
  q.take_all(jobs, events);
  REQUIRE(jobs.size() == 10);
  for (std::uint64_t i = 0; i < 10; ++i) CHECK(jobs[i]->id == i + 1);
}

TEST_CASE("the bound counts jobs not started, queued or already taken", "[job_queue]") {
  job_queue q(3);
  for (std::uint64_t i = 1; i <= 3; ++i) {
    job_ptr j = make_job(i);
    REQUIRE(q.try_push(j));
  }
  job_ptr refused = make_job(4);
  CHECK_FALSE(q.try_push(refused));
  CHECK(refused->path == "/4");  // a refused job is left to its caller, intact

  std::vector<job_ptr> jobs;
  std::vector<snasio::python::job_event> events;
  q.take_all(jobs, events);
  // Taken but not started: the places are still held.
  CHECK(q.unstarted() == 3);
  CHECK_FALSE(q.try_push(refused));
  q.started();
  CHECK(q.unstarted() == 2);
  CHECK(q.try_push(refused));
}

TEST_CASE("events about jobs travel with the jobs and wake the consumer", "[job_queue]") {
  job_queue q(4);
  q.tell(42, snasio::python::job_event::kind::abandoned);
  q.tell(43, snasio::python::job_event::kind::written);
  q.wake_if_needed();
  CHECK(readable(q.wake_fd()));
  std::vector<job_ptr> jobs;
  std::vector<snasio::python::job_event> events;
  q.take_all(jobs, events);
  CHECK(jobs.empty());
  using snasio::python::job_event;
  CHECK(events == std::vector<job_event>{{42, job_event::kind::abandoned}, {43, job_event::kind::written}});
}

TEST_CASE("a closed queue refuses pushes and wakes the consumer", "[job_queue]") {
  job_queue q(4);
  q.close();
  CHECK(q.closed());
  CHECK(readable(q.wake_fd()));
  job_ptr j = make_job(1);
  CHECK_FALSE(q.try_push(j));
  CHECK(q.unstarted() == 0);
}

TEST_CASE("concurrent producers: every job arrives exactly once, no wake-up is lost", "[job_queue]") {
  constexpr int producers = 4;
  constexpr std::uint64_t per_producer = 20000;
  job_queue q(64);
  std::atomic<std::uint64_t> refused{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::uint64_t i = 0; i < per_producer; ++i) {
        job_ptr j = make_job(std::uint64_t(p) * per_producer + i + 1);
        while (!q.try_push(j)) {
          refused.fetch_add(1, std::memory_order_relaxed);
          std::this_thread::yield();
        }
        q.wake_if_needed();
      }
    });
  }
  // The consumer sleeps in poll() as the GIL thread's loop does in epoll; a
  // lost wake-up would leave it waiting while jobs sit in the queue.
  std::set<std::uint64_t> seen;
  std::vector<job_ptr> jobs;
  std::vector<snasio::python::job_event> events;
  while (seen.size() < producers * per_producer) {
    REQUIRE(readable(q.wake_fd(), 5000));
    jobs.clear();
    q.take_all(jobs, events);
    for (auto& j : jobs) {
      REQUIRE(seen.insert(j->id).second);
      q.started();
    }
  }
  for (auto& t : threads) t.join();
  CHECK(seen.size() == producers * per_producer);
  CHECK(q.unstarted() == 0);
}

TEST_CASE("the sync lane has its own wake-up, and its jobs are taken one at a time", "[job_queue]") {
  job_queue q(8);
  job_ptr a = make_job(1), b = make_job(2), c = make_job(3);
  const job* first = a.get();
  REQUIRE(q.try_push(a, job_queue::lane::sync));
  CHECK_FALSE(a);  // the lane holds it now
  REQUIRE(q.try_push(b, job_queue::lane::sync));
  REQUIRE(q.try_push(c));  // the loop's
  q.wake_if_needed();
  CHECK(readable(q.sync_wake_fd()));
  CHECK(readable(q.wake_fd()));
  CHECK(q.sync_count() == 2);
  job_ptr taken;
  REQUIRE(q.take_sync(taken));
  CHECK(taken.get() == first);  // the same job, handed on: nothing was moved or copied
  CHECK(taken->path == "/1");
  CHECK(q.unstarted() == 3);  // taken is not started: the bound still counts it
  q.started();
  q.clear_sync_wake();
  CHECK_FALSE(readable(q.sync_wake_fd()));
  REQUIRE(q.take_sync(taken));
  CHECK(taken->path == "/2");
  CHECK_FALSE(q.take_sync(taken));
  std::vector<job_ptr> loop_jobs;
  std::vector<snasio::python::job_event> events;
  q.take_all(loop_jobs, events);
  REQUIRE(loop_jobs.size() == 1);  // the sync lane's jobs never reach the loop
  CHECK(loop_jobs[0]->path == "/3");
  // Into the empty lane again: a new wake-up.
  job_ptr d = make_job(4);
  REQUIRE(q.try_push(d, job_queue::lane::sync));
  q.wake_if_needed();
  CHECK(readable(q.sync_wake_fd()));
  q.close();
  CHECK(readable(q.sync_wake_fd()));
  std::vector<job_ptr> left;
  q.take_all_sync(left);
  CHECK(left.size() == 1);
}

TEST_CASE("a sync lane that never empties hands its jobs out in order", "[job_queue]") {
  job_queue q(1000);
  std::size_t next = 0, expected = 0;
  auto push = [&] {
    job_ptr j = make_job(int(next++));
    REQUIRE(q.try_push(j, job_queue::lane::sync));
  };
  for (int i = 0; i < 10; ++i) push();
  job_ptr taken;
  for (int round = 0; round < 500; ++round) {  // two in, two out: ten always wait
    push();
    push();
    for (int k = 0; k < 2; ++k) {
      REQUIRE(q.take_sync(taken));
      q.started();
      CHECK(taken->path == "/" + std::to_string(expected++));
    }
    CHECK(q.sync_count() == 10);
  }
  std::vector<job_ptr> left;
  q.take_all_sync(left);
  REQUIRE(left.size() == 10);
  CHECK(left.front()->path == "/" + std::to_string(expected));
  CHECK_FALSE(q.take_sync(taken));
}
