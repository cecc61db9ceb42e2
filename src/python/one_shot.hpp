#pragma once

#include <optional>
#include <utility>

#include "http/response.hpp"
#include "net/responder.hpp"
#include "python/reply_queue.hpp"

namespace snasio::python {

/// The single answer one job owes its connection. Move-only; sending consumes
/// it. If it is destroyed unsent (a path that forgot to answer) the client
/// still gets a 500, so no request is ever left without a response.
class one_shot {
 public:
  one_shot() = default;
  one_shot(net::responder to, reply_queue& queue) : to_(std::move(to)), queue_(&queue) {}
  one_shot(one_shot&& other) noexcept : to_(std::move(other.to_)), queue_(std::exchange(other.queue_, nullptr)) {}
  one_shot& operator=(one_shot&& other) noexcept;
  one_shot(const one_shot&) = delete;
  one_shot& operator=(const one_shot&) = delete;
  ~one_shot();

  /// Hands the response over; the one_shot is empty afterwards.
  reply_queue::reply take(http::response r);
  /// Sends the response now, on its own (outside a batch).
  void send(http::response r);
  /// Gives up the duty to answer, for a job that was never handed over (its
  /// caller answers by other means).
  void disarm() noexcept { queue_ = nullptr; }
  /// Gives up an answer that was abandoned: nobody is waiting for it.
  void drop() noexcept {
    queue_->count_drop();
    queue_ = nullptr;
  }
  /// Where the answer goes (a stream sends its later pieces there too).
  const std::optional<net::responder>& to() const noexcept { return to_; }
  /// Whether the answer is abandoned: its connection has closed.
  bool abandoned() const noexcept { return to_ && to_->abandoned(); }
  /// Whether this one_shot still owes an answer.
  explicit operator bool() const noexcept { return queue_ != nullptr; }

 private:
  std::optional<net::responder> to_;
  reply_queue* queue_ = nullptr;
};

}  // namespace snasio::python
