#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>

#include <asio.hpp>

#include "http/date.hpp"
#include "net/server_options.hpp"

namespace snasio::net {

class connection;
class request_handler;

/// Owns the open connections: starts each, forgets it when it closes, and
/// drains them all at shutdown. Keeps the Date header value they share.
class connection_manager {
 public:
  connection_manager(asio::any_io_executor executor, const server_options& options, request_handler& handler);
  connection_manager(const connection_manager&) = delete;
  connection_manager& operator=(const connection_manager&) = delete;

  /// Serves a newly accepted socket, or closes it at once past --max-connections.
  void start(asio::ip::tcp::socket socket);
  /// Forgets a connection that has closed (called by the connection).
  void remove(connection* c);
  /// Shutdown: connections finish the requests already read, then close;
  /// at the drain deadline the rest are closed. `on_drained` runs once, when
  /// no connection is left.
  void drain(std::function<void()> on_drained);
  /// The Date header value, formatted at most once a second.
  std::string_view date() { return date_.now(); }
  /// How many connections are open.
  std::size_t size() const noexcept { return connections_.size(); }

 private:
  void check_drained();

  asio::any_io_executor executor_;
  const server_options& options_;
  request_handler& handler_;
  asio::steady_timer drain_timer_;
  http::date_cache date_;
  std::unordered_map<connection*, std::shared_ptr<connection>> connections_;
  std::function<void()> on_drained_;
  bool draining_ = false;
};

}  // namespace snasio::net
