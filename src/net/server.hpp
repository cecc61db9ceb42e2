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

/// Accepts connections on one io_context and owns them until they close.
class server {
 public:
  server(asio::io_context& io, server_options options, request_handler& handler);
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and listens; throws std::system_error naming the address on failure.
  void listen();
  /// The address actually bound (the port is known here when --port 0 was asked).
  asio::ip::tcp::endpoint local_endpoint() const;
  /// The bound address as a URL: "http://127.0.0.1:8000", "http://[::1]:8000".
  std::string url() const;
  /// Starts accepting (call after listen()).
  void start();
  /// Graceful stop: no new connections, finish requests already read, then close.
  /// Calls `on_drained` once every connection is closed or the drain deadline passed.
  void stop(std::function<void()> on_drained);

  const server_options& options() const noexcept { return options_; }
  request_handler& handler() noexcept { return handler_; }
  /// The Date header value, formatted at most once a second.
  std::string_view date() { return date_.now(); }
  /// Forgets a connection that has closed (called by the connection).
  void remove(connection* c);
  /// How many connections are open.
  std::size_t connection_count() const noexcept { return connections_.size(); }

 private:
  void do_accept();
  void on_accept(const asio::error_code& ec, asio::ip::tcp::socket socket);
  void check_drained();

  asio::io_context& io_;
  server_options options_;
  request_handler& handler_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer drain_timer_;
  http::date_cache date_;
  std::unordered_map<connection*, std::shared_ptr<connection>> connections_;
  std::function<void()> on_drained_;
  bool stopping_ = false;
};

/// Raises the soft open-file limit to the hard limit (each connection is a descriptor).
void raise_open_file_limit();

}  // namespace snasio::net
