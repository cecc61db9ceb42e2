#include "python/sync_runners.hpp"

#include <poll.h>
#include <pthread.h>

#include <algorithm>
#include <iterator>

#include "log/log.hpp"
#include "net/brief_wait.hpp"
#include "python/job_runner.hpp"

namespace snasio::python {

namespace {

// The watcher looks this often while a handler has run past handoff_after
// (something blocks, so a hand-off may be due at any moment)...
constexpr std::chrono::milliseconds fast_look{1};
// ...and backs off to this while handlers are quick: a first handler that
// blocks is seen within two of these.
constexpr std::chrono::milliseconds slow_look{16};
// After this many looks at the slow pace with no handler running, it sleeps
// until a sync thread starts a batch.
constexpr int idle_looks = 64;
// After a batch this small (low load), the active thread watches the lane
// briefly before it sleeps (net::brief_wait says why).
constexpr std::size_t low_load_batch = 2;
// A log line says at most this often that every sync thread is busy.
constexpr std::chrono::seconds busy_log_every{10};

// The calling thread's worker, for a fatal signal's line; null off the sync threads.
thread_local const std::atomic<const job*>* this_worker_job = nullptr;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t cpu_ns(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return std::int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// A thread started here gets the trace and profile functions threading
// gives the threads it starts (threading.settrace, setprofile: coverage,
// debuggers, profilers), so what runs on it is seen like the rest. GIL held.
void trace_like_threading() {
  py_ref threading = py_ref::steal(PyImport_ImportModule("threading"));
  py_ref sys = py_ref::steal(PyImport_ImportModule("sys"));
  for (auto [get, set] : {std::pair{"gettrace", "settrace"}, {"getprofile", "setprofile"}}) {
    py_ref hook = threading ? py_ref::steal(PyObject_CallMethod(threading.get(), get, nullptr)) : py_ref{};
    if (!hook || hook.get() == Py_None || !sys) continue;
    py_ref done = py_ref::steal(PyObject_CallMethod(sys.get(), set, "O", hook.get()));
  }
  PyErr_Clear();
}

}  // namespace

sync_runners::sync_runners(job_queue& jobs, reply_queue& replies, job_runner& runner, const endpoint_table& endpoints)
    : jobs_(jobs), replies_(replies), runner_(runner), endpoints_(endpoints) {}

sync_runners::~sync_runners() { stop(); }

const job* sync_runners::current_job() noexcept {
  return this_worker_job ? this_worker_job->load(std::memory_order_relaxed) : nullptr;
}

void sync_runners::start(std::size_t max_threads, std::chrono::milliseconds gil_warning) {
  interpreter_ = PyInterpreterState_Get();
  max_threads_ = std::max<std::size_t>(max_threads, 1);
  gil_warning_ = gil_warning;
  warned_routes_.assign(endpoints_.routes().size(), false);
  std::lock_guard lock(mutex_);
  spawn(0);
  watcher_ = std::thread([this] { watch(); });
}

void sync_runners::spawn(std::size_t index) {
  worker& w = workers_.emplace_back();
  count_.store(workers_.size(), std::memory_order_release);
  w.thread = std::thread([this, &w, index] { run(w, index); });
}

void sync_runners::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || workers_.empty()) return;
    stopping_ = true;
  }
  baton_.notify_all();
  watch_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  // Each thread ends after the handler it runs; one that never returns keeps
  // the process from finalizing, and the service's deadline then exits it.
  for (auto& w : workers_)
    if (w.thread.joinable()) w.thread.join();
}

void sync_runners::run(worker& self, std::size_t me) {
  pthread_setname_np(pthread_self(), "snasio-sync");
  this_worker_job = &self.current;
  pthread_getcpuclockid(pthread_self(), &self.cpu_clock);
  PyThreadState* state = PyThreadState_New(interpreter_);
  PyEval_RestoreThread(state);
  trace_like_threading();
  PyEval_SaveThread();
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      self.idle.store(true, std::memory_order_relaxed);
      baton_.wait(lock, [&] { return active_.load(std::memory_order_relaxed) == me || stopping_; });
      self.idle.store(false, std::memory_order_relaxed);
      if (stopping_) break;
    }
    serve(self, me, state);
  }
  PyEval_RestoreThread(state);
  PyThreadState_Clear(state);
  PyThreadState_DeleteCurrent();
}

// While this thread is the active one: runs, with the GIL held once, the
// jobs the sync lane holds when it looks (a batch, as the loop takes its
// lane's), each taken from the lane only as it starts, so that when a handler
// blocks, the jobs behind it are still in the lane for the next active
// thread. The batch's answers go back together at its end.
void sync_runners::serve(worker& self, std::size_t me, PyThreadState* state) {
  outbox out;
  std::size_t last_batch = 0;
  while (active_.load(std::memory_order_relaxed) == me && !jobs_.closed()) {
    jobs_.clear_sync_wake();  // before the look: a later push wakes the next wait
    std::size_t batch = jobs_.sync_count();
    if (batch == 0) {
      wait_for_jobs(me, last_batch > 0 && last_batch <= low_load_batch);
      last_batch = 0;
      continue;
    }
    if (watcher_asleep_.load(std::memory_order_relaxed)) {
      std::lock_guard lock(mutex_);
      wake_watcher_ = true;
      watch_.notify_one();
    }
    PyEval_RestoreThread(state);
    for (std::size_t i = 0; i < batch && active_.load(std::memory_order_relaxed) == me && run_next(self, out); ++i) {
      // A stream's pieces may follow its head at once.
      if (!out.pumps.empty()) {
        send_ready(self);
        runner_.start_pumps(out);
      }
    }
    send_ready(self);
    PyEval_SaveThread();
    last_batch = batch;
  }
}

// Takes the lane's next job, runs it, releases it and readies its answer;
// false when the lane is empty.
bool sync_runners::run_next(worker& self, outbox& out) {
  job_ptr j;
  if (!jobs_.take_sync(j)) return false;
  self.current.store(j.get(), std::memory_order_relaxed);
  self.route.store(std::ptrdiff_t(j->route), std::memory_order_relaxed);
  self.handler_since.store(now_ns(), std::memory_order_relaxed);
  runner_.run_sync(*j, out);
  self.handler_since.store(0, std::memory_order_relaxed);
  self.route.store(-1, std::memory_order_relaxed);
  self.current.store(nullptr, std::memory_order_relaxed);
  j.reset();  // released before its answer can reach the client
  {
    std::lock_guard lock(self.ready_mutex);
    std::move(out.replies.begin(), out.replies.end(), std::back_inserter(self.ready));
  }
  out.replies.clear();
  return true;
}

void sync_runners::send_ready(worker& w) {
  std::lock_guard lock(w.ready_mutex);
  replies_.push(w.ready);
}

void sync_runners::wait_for_jobs(std::size_t me, bool low_load) {
  auto ready = [&] { return jobs_.sync_waiting() || jobs_.closed() || active_.load(std::memory_order_relaxed) != me; };
  if (low_load && net::wait_briefly(ready)) return;
  // The wake-up was cleared before the lane was found empty: a push since
  // then wrote the eventfd again (into an empty lane), so poll() cannot miss it.
  pollfd fd{jobs_.sync_wake_fd(), POLLIN, 0};
  ::poll(&fd, 1, -1);
}

void sync_runners::watch() {
  pthread_setname_np(pthread_self(), "snasio-watch");
  std::unique_lock lock(mutex_);
  auto look = fast_look;
  int idle = 0;
  while (!stopping_) {
    std::int64_t now = now_ns();
    bool busy = false, slow = false;
    for (auto& w : workers_) {
      std::int64_t since = w.handler_since.load(std::memory_order_relaxed);
      if (since == 0) continue;
      busy = true;
      slow = slow || now - since >= std::chrono::nanoseconds(handoff_after).count();
      note_gil_holder(w, since, now);
    }
    worker& active = workers_[active_.load(std::memory_order_relaxed)];
    std::int64_t since = active.handler_since.load(std::memory_order_relaxed);
    if (since != 0 && now - since >= std::chrono::nanoseconds(handoff_after).count()) {
      // The answers it finished before this handler go now, not after it.
      send_ready(active);
      hand_off(lock);
    }
    look = slow ? fast_look : std::min(look * 2, slow_look);
    if (busy || jobs_.sync_waiting()) {
      idle = 0;
    } else if (++idle > idle_looks) {
      // Nothing runs: sleep until a sync thread starts a batch.
      watcher_asleep_.store(true, std::memory_order_relaxed);
      watch_.wait(lock, [&] { return wake_watcher_ || stopping_; });
      watcher_asleep_.store(false, std::memory_order_relaxed);
      wake_watcher_ = false;
      idle = 0;
      look = fast_look;
      continue;
    }
    watch_.wait_for(lock, look, [&] { return stopping_; });
  }
}

// The active thread is stuck in a handler: another takes the lane. False when
// every thread --blocking-threads allows is in a handler already.
bool sync_runners::hand_off(std::unique_lock<std::mutex>&) {
  for (std::size_t i = 0; i < workers_.size(); ++i)
    if (workers_[i].idle.load(std::memory_order_relaxed)) {
      active_.store(i, std::memory_order_relaxed);
      baton_.notify_all();
      return true;
    }
  if (workers_.size() < max_threads_) {
    active_.store(workers_.size(), std::memory_order_relaxed);
    spawn(workers_.size());
    return true;
  }
  if (auto now = std::chrono::steady_clock::now(); now >= next_busy_log_) {
    next_busy_log_ = now + busy_log_every;
    log::line(log::level::warning, "every sync thread (--blocking-threads " + std::to_string(max_threads_) +
                                       ") is in a handler that has not returned: sync requests wait");
  }
  return false;
}

// Logs, once per route, a sync handler that holds the GIL past
// --gil-hold-warning: it was on the CPU nearly all the time it has run (a
// thread that waits, for the GIL or for I/O, is not), so no other Python
// handler could run meanwhile, and no thread can help.
void sync_runners::note_gil_holder(worker& w, std::int64_t since, std::int64_t now) {
  if (gil_warning_.count() == 0) return;
  if (w.seen_since != since) {
    w.seen_since = since;
    w.seen_at = now;
    w.cpu_at_seen = cpu_ns(w.cpu_clock);
    return;
  }
  std::ptrdiff_t route = w.route.load(std::memory_order_relaxed);
  std::int64_t ran = now - since, watched = now - w.seen_at;
  if (route < 0 || ran < std::chrono::nanoseconds(gil_warning_).count() || watched <= 0 ||
      warned_routes_[std::size_t(route)])
    return;
  std::int64_t computed = cpu_ns(w.cpu_clock) - w.cpu_at_seen;
  if (computed * 10 < watched * 8) return;  // it waited for something: not holding the GIL
  warned_routes_[std::size_t(route)] = true;
  const python_route& r = endpoints_.route(std::size_t(route));
  std::string methods;
  for (const auto& m : r.methods) methods += (methods.empty() ? "" : ",") + m;
  log::line(log::level::warning, r.name + " (" + methods + " " + r.pattern + ") has held the GIL for " +
                                     std::to_string(ran / 1'000'000) +
                                     " ms: no other Python handler runs meanwhile, and no thread can help. "
                                     "Computation belongs in the process pool (use_process_pool=True)");
}

std::string sync_runners::describe() const {
  std::lock_guard lock(mutex_);
  std::vector<std::size_t> running(endpoints_.routes().size(), 0);
  for (const auto& w : workers_)
    if (std::ptrdiff_t route = w.route.load(std::memory_order_relaxed); route >= 0) ++running[std::size_t(route)];
  std::string out;
  for (std::size_t i = 0; i < running.size(); ++i)
    if (running[i] > 0)
      out += (out.empty() ? "" : ", ") + endpoints_.route(i).name + " (sync)" +
             (running[i] > 1 ? " x" + std::to_string(running[i]) : "");
  return out;
}

}  // namespace snasio::python
