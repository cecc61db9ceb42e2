#include "python/reply_queue.hpp"

#include <iterator>

namespace snasio::python {

void reply_queue::push(std::vector<reply>& batch) {
  if (batch.empty()) return;
  bool post = false;
  {
    std::lock_guard lock(mutex_);
    // Swapping hands the vectors' capacity round, so a steady flow allocates nothing.
    if (waiting_.empty()) waiting_.swap(batch);
    else std::move(batch.begin(), batch.end(), std::back_inserter(waiting_));
    post = !std::exchange(posted_, true);
  }
  batch.clear();
  // One post wakes the reactor once for however many replies are waiting.
  if (post) asio::post(reactor_, [this] { deliver(); });
}

void reply_queue::push(reply r) {
  std::vector<reply> one;
  one.push_back(std::move(r));
  push(one);
}

void reply_queue::deliver() {
  {
    std::lock_guard lock(mutex_);
    delivering_.swap(waiting_);
    posted_ = false;
  }
  for (auto& r : delivering_) {
    if (r.piece) {
      r.to.send_piece(r.response.body, *r.piece);
    } else {
      r.to.send(std::move(r.response));
      ++delivered_;  // a stream's head is its answer; its pieces are not more answers
    }
  }
  delivering_.clear();
}

}  // namespace snasio::python
