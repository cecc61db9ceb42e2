#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <asio.hpp>

#include "http/response.hpp"
#include "net/responder.hpp"

namespace snasio::python {

/// Carries finished responses from the GIL thread back to the reactor, many
/// per wake-up: the first reply of a batch posts one delivery to the reactor's
/// executor, and every reply pushed before it runs rides along.
class reply_queue {
 public:
  explicit reply_queue(asio::any_io_executor reactor) : reactor_(std::move(reactor)) {}

  /// A response and the connection slot it answers; or a later piece of a
  /// streamed response (its bytes in response.body) and how it ends.
  struct reply {
    net::responder to;
    http::response response;
    std::optional<net::piece_end> piece = std::nullopt;
  };

  /// Queues replies for delivery on the reactor thread (any thread).
  void push(std::vector<reply>& batch);
  /// Queues one reply (any thread).
  void push(reply r);
  /// How many replies have been delivered to the reactor (reactor thread).
  std::uint64_t delivered() const noexcept { return delivered_; }
  /// How many one_shots were dropped unanswered, their client gone (any thread).
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  /// Counts one more one_shot dropped (one_shot::drop).
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
  /// Gives up the answer of a job whose client has gone: nobody is waiting.
  void drop() noexcept {
    queue_->count_drop();
    queue_ = nullptr;
  }
  /// Where the answer goes (a stream sends its later pieces there too).
  const std::optional<net::responder>& to() const noexcept { return to_; }
  /// Whether the client is gone (the connection has closed).
  bool abandoned() const noexcept { return to_ && to_->abandoned(); }
  /// Whether this one_shot still owes an answer.
  explicit operator bool() const noexcept { return queue_ != nullptr; }

 private:
  std::optional<net::responder> to_;
  reply_queue* queue_ = nullptr;
};

}  // namespace snasio::python
