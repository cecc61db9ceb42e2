#pragma once

#include <functional>
#include <memory>
#include <string>

#include <asio.hpp>

#include "log/throttle.hpp"
#include "net/connection_manager.hpp"
#include "net/listener.hpp"
#include "net/server_options.hpp"

namespace snasio::net {

class request_handler;

/// Listens on one address and hands every accepted socket to its connection manager.
class server {
 public:
  server(asio::io_context& io, server_options options, request_handler& handler);
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and listens (or takes options().listen_fd); throws
  /// std::system_error naming the address on failure.
  void listen();
  /// Where it listens, as a URL (net::listener::url).
  std::string url() const { return listener_->url(); }
  /// Replaces the limits and timeouts (before start(); where to listen stays).
  void set_options(const server_options& options);
  /// Starts accepting (call after listen()).
  void start();
  /// Graceful stop: no new connections, finish requests already read, then close.
  /// Calls `on_drained` once every connection is closed or the drain deadline passed.
  void stop(std::function<void()> on_drained);

  const server_options& options() const noexcept { return options_; }
  /// What the shutdown drain found and did.
  const drain_report& drain_summary() const noexcept { return connections_.report(); }
  /// Writes the access log's buffered lines now (before an exit that skips destructors).
  void flush_access_log() {
    if (auto* l = connections_.log()) l->flush();
  }

 private:
  void do_accept();
  void on_accept(const asio::error_code& ec, stream_socket socket);
  void pause_accepting(const asio::error_code& ec);
  void resume_accepting();

  asio::io_context& io_;
  server_options options_;
  std::unique_ptr<listener> listener_;
  connection_manager connections_;
  asio::steady_timer resume_timer_;  // when accepting is paused: try again after a back-off
  bool paused_ = false;
  log::throttle out_of_descriptors_;
  bool stopping_ = false;
};

/// Raises the soft open-file limit to the hard limit (each connection is a descriptor).
void raise_open_file_limit();

}  // namespace snasio::net
