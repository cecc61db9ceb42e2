#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include <asio.hpp>

#include "http/response.hpp"
#include "net/responder.hpp"

namespace snasio::python {

/// Carries finished answers from the GIL thread back to the reactor, many
/// per wake-up: the first reply of a batch posts one delivery to the reactor's
/// executor, and every reply pushed before it runs rides along.
class reply_queue {
 public:
  explicit reply_queue(asio::any_io_executor reactor) : reactor_(std::move(reactor)) {}

  /// What goes back to the reactor: a response and the slot it answers; or a
  /// later piece of a streamed response (its bytes in response.body) and how
  /// the stream goes on.
  struct reply {
    net::responder to;
    http::response response;
    std::optional<net::piece_end> piece = std::nullopt;
  };

  /// Queues replies for delivery on the reactor thread (any thread).
  void push(std::vector<reply>& batch);
  /// Queues one reply (any thread).
  void push(reply r);
  /// How many answers have been delivered to the reactor, not counting the
  /// later pieces of streams (reactor thread).
  std::uint64_t delivered() const noexcept { return delivered_; }
  /// How many answers were dropped undelivered, nobody waiting for them (any thread).
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  /// Counts one more answer dropped (one_shot::drop).
  void count_drop() noexcept { dropped_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void deliver();

  asio::any_io_executor reactor_;
  std::mutex mutex_;
  std::vector<reply> waiting_;
  std::vector<reply> delivering_;  // reactor thread only
  bool posted_ = false;
  std::uint64_t delivered_ = 0;  // reactor thread only
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace snasio::python
