#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>

#include <asio.hpp>

#include "http/date.hpp"
#include "log/throttle.hpp"
#include "net/access_log.hpp"
#include "net/server_options.hpp"
#include "net/stream_socket.hpp"

namespace snasio::net {

class connection;
class request_handler;

/// What a shutdown drain found and did, for the log.
struct drain_report {
  std::size_t connections = 0;  ///< open when the drain began
  std::size_t in_flight = 0;    ///< requests received and not yet answered then
  std::size_t answered = 0;     ///< answered by their handlers during the drain
  std::size_t cancelled = 0;    ///< answered 503 at the drain deadline
  std::size_t abandoned = 0;    ///< never answered: the client left, or would not read
  std::chrono::steady_clock::duration took{};
};

/// Owns the open connections: starts each, forgets it when it closes, and
/// drains them all at shutdown. Keeps the Date header value they share.
class connection_manager {
 public:
  connection_manager(asio::any_io_executor executor, const server_options& options, request_handler& handler);
  connection_manager(const connection_manager&) = delete;
  connection_manager& operator=(const connection_manager&) = delete;

  /// Serves a newly accepted socket, or closes it at once past --max-connections.
  void start(stream_socket socket);
  /// Forgets a connection that has closed (called by the connection).
  void remove(connection* c);
  /// Calls `closed` each time a connection has closed (its descriptor is free).
  void on_closed(std::function<void()> closed) { on_closed_ = std::move(closed); }
  /// Shutdown: connections answer the requests received in full, then close.
  /// At --drain-timeout every request still waiting is answered 503 and its
  /// work cancelled; a connection still open a moment later is closed.
  /// `on_drained` runs once, when no connection is left.
  void drain(std::function<void()> on_drained);
  /// What the drain found and did (complete once `on_drained` has run).
  const drain_report& report() const noexcept { return report_; }
  /// The Date header value, formatted at most once a second.
  std::string_view date() { return date_.now(); }
  /// How many connections are open.
  std::size_t size() const noexcept { return connections_.size(); }
  /// The id of a request: the client's X-Request-ID when it is short and
  /// made of safe characters, else a new one (this process's prefix and a count).
  std::string request_id(std::string_view offered);
  /// The access log; nullptr when --access-log is off.
  access_log* log() {
    if (!options_.access_log) return nullptr;
    if (!access_log_) access_log_ = std::make_unique<access_log>(executor_, options_.log_format);
    return access_log_.get();
  }

  // What the connections report while draining.
  void count_answered() noexcept {
    if (draining_) ++report_.answered;
  }
  void count_cancelled() noexcept { ++report_.cancelled; }
  void count_abandoned(std::size_t n) noexcept {
    if (draining_) report_.abandoned += n;
  }

 private:
  void on_deadline();
  void check_drained();

  asio::any_io_executor executor_;
  const server_options& options_;
  request_handler& handler_;
  asio::steady_timer drain_timer_;
  http::date_cache date_;
  std::unordered_map<connection*, std::shared_ptr<connection>> connections_;
  std::function<void()> on_drained_;
  std::function<void()> on_closed_;
  log::throttle over_limit_;  // connections closed at once past --max-connections
  bool draining_ = false;
  bool past_deadline_ = false;
  bool beginning_drain_ = false;  // inside drain(): on_drained must wait
  std::chrono::steady_clock::time_point drain_began_;
  drain_report report_;
  // A made id is this process's random prefix (six base-36 digits, so that
  // workers' ids do not collide), a dash and a count in hex: 15 characters or
  // fewer for the first 4.3 billion requests, which a std::string holds
  // without allocating.
  static constexpr std::size_t short_prefix_size = 7, uuid_prefix_size = 24;  // "abc123-", "xxxxxxxx-xxxx-4xxx-8xxx-"
  char short_[32];
  char uuid_[40];
  std::uint64_t next_id_ = 0;
  std::unique_ptr<access_log> access_log_;
};

}  // namespace snasio::net
