#include "python/runtime.hpp"

namespace snasio::python {

runtime::runtime(python_config config, asio::any_io_executor reactor)
    : config_(std::move(config)), jobs_(config_.queue_depth), replies_(std::move(reactor)) {}

runtime::~runtime() { stop(); }

const std::vector<python_route>& runtime::start() {
  thread_ = std::make_unique<gil_thread>(config_, jobs_, replies_);
  routes_ = thread_->start();
  return routes_;
}

void runtime::stop() {
  if (!thread_) return;
  jobs_.close();
  thread_->join();
  thread_.reset();
}

}  // namespace snasio::python
