#pragma once

#include <string>

#include <asio.hpp>

#include "net/server_options.hpp"

namespace snasio::net {

/// The listening socket of a server: bound to --host and --port, or to the
/// Unix socket --uds (its file replaced when a dead server left it, its mode
/// set), or one inherited as a descriptor (a worker's, from its supervisor).
class listener {
 public:
  using acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;

  /// Binds and listens as `options` say; throws std::system_error naming the flag.
  listener(asio::any_io_executor executor, const server_options& options);
  /// Closes the socket and removes the Unix socket file it made.
  ~listener();
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  /// Where it listens: "http://127.0.0.1:8000", "http://[::1]:8000" (the port
  /// known here when --port 0 was asked), or "unix:/run/app.sock".
  std::string url() const;
  /// The socket, to accept on.
  acceptor& socket() noexcept { return acceptor_; }
  /// Gives the descriptor up, to be inherited by worker processes; the Unix
  /// socket file stays, for the caller to remove.
  int release();
  /// Closes the socket now and removes the Unix socket file.
  void close();

 private:
  void bind_tcp(const server_options& options);
  void bind_unix(const server_options& options);

  acceptor acceptor_;
  std::string socket_file_;  // the Unix socket file this listener made and removes
  std::string uds_;
};

}  // namespace snasio::net
