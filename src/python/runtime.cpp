#include "python/runtime.hpp"

namespace snasio::python {

runtime::runtime(python_config config, asio::any_io_executor reactor)
    : config_(std::move(config)), reactor_(reactor), jobs_(config_.queue_depth), replies_(std::move(reactor)) {}

bool runtime::submit(job_ptr& j) {
  // A sync handler goes to the sync threads; an async one, to the loop.
  auto lane = app_.routes[j->route].mode == execution_mode::sync ? job_queue::lane::sync : job_queue::lane::loop;
  if (!jobs_.try_push(j, lane)) return false;
  ++submitted_;
  wake_later();
  return true;
}

void runtime::abandoned(std::uint64_t job_id) { tell(job_id, job_event::kind::abandoned); }
void runtime::written(std::uint64_t job_id) { tell(job_id, job_event::kind::written); }
void runtime::room(std::uint64_t job_id) { tell(job_id, job_event::kind::room); }
void runtime::draining() { tell(0, job_event::kind::draining); }

void runtime::tell(std::uint64_t job_id, job_event::kind what) {
  jobs_.tell(job_id, what);
  wake_later();
}

void runtime::wake_later() {
  // Waking the GIL thread costs a system call and, if it sleeps, a context
  // switch. Posted, the wake-up runs after every handler the reactor has
  // ready in this iteration (the reads of one epoll round), so all the jobs
  // they submit travel in one batch for one wake-up.
  if (wake_posted_) return;
  wake_posted_ = true;
  asio::post(reactor_, [this] {
    wake_posted_ = false;
    jobs_.wake_if_needed();
  });
}

runtime::~runtime() { join(); }

const imported_app& runtime::start() {
  thread_ = std::make_unique<gil_thread>(config_, jobs_, replies_);
  try {
    app_ = thread_->start();
  } catch (...) {
    thread_.reset();  // it has finished: a stop() need not wait for it
    throw;
  }
  return app_;
}

void runtime::serve(const python_config& final) {
  jobs_.set_depth(final.queue_depth);
  thread_->serve(final);
}

void runtime::stop(std::function<void()> on_stopped) {
  if (!thread_) {
    asio::post(reactor_, std::move(on_stopped));
    return;
  }
  // Set before the queue closes: the thread reads it only after it sees the close.
  thread_->on_finished([reactor = reactor_, done = std::move(on_stopped)]() mutable {
    asio::post(reactor, std::move(done));
  });
  jobs_.close();
}

void runtime::join() {
  if (!thread_) return;
  jobs_.close();
  thread_->join();
  thread_.reset();
}

void runtime::detach() {
  if (!thread_) return;
  thread_->detach();
  (void)thread_.release();  // its memory goes with the process: the thread may still use it
}

std::string runtime::describe_running() const { return thread_ ? thread_->describe_running() : "nothing"; }

}  // namespace snasio::python
