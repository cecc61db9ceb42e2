#include "python/one_shot.hpp"

namespace snasio::python {

one_shot& one_shot::operator=(one_shot&& other) noexcept {
  if (this != &other) {
    one_shot gone(std::move(*this));
    to_ = std::move(other.to_);
    queue_ = std::exchange(other.queue_, nullptr);
  }
  return *this;
}

one_shot::~one_shot() {
  if (queue_) send(http::response::error(500, "internal server error"));
}

reply_queue::reply one_shot::take(http::response r) {
  queue_ = nullptr;
  return {std::move(*to_), std::move(r)};
}

void one_shot::send(http::response r) {
  reply_queue* q = queue_;
  q->push(take(std::move(r)));
}

}  // namespace snasio::python
