#pragma once

#include <chrono>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include "net/request_handler.hpp"

namespace snasio::app {

/// The handlers' deadlines (--request-timeout, a route's timeout=): when one
/// passes and the answer is still owed, the client gets 408 and the handler
/// hears it is abandoned (an async one is cancelled; a sync one runs on and
/// its answer is dropped), and a line is logged. One timer serves them all;
/// each request keeps an entry (about 80 bytes) until its deadline, answered
/// or not.
class deadlines {
 public:
  using clock = std::chrono::steady_clock;
  explicit deadlines(asio::any_io_executor ex) : timer_(std::move(ex)) {}
  /// Watches one answer: `what` names it in the log line.
  void add(std::chrono::milliseconds after, const net::responder& to, net::listening listener, std::string what);
  std::size_t watched() const noexcept { return due_.size(); }

 private:
  struct entry {
    clock::time_point at;
    net::responder to;
    net::listening listener;
    std::string what;
    bool operator>(const entry& o) const { return at > o.at; }
  };
  void arm();
  void fire();

  std::priority_queue<entry, std::vector<entry>, std::greater<>> due_;
  asio::steady_timer timer_;
  clock::time_point armed_for_ = clock::time_point::max();
};

}  // namespace snasio::app
