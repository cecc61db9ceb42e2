#pragma once

#include <asio.hpp>

namespace snasio::net {

/// A connection's socket: TCP, or a Unix socket with --uds. It is Asio's
/// socket, opened up only so that the connection's own read and write
/// (socket_io.hpp) can be queued in its reactor.
class stream_socket : public asio::generic::stream_protocol::socket {
 public:
  using base = asio::generic::stream_protocol::socket;
  using base::base;
  stream_socket(base&& accepted) : base(std::move(accepted)) {}

  /// The descriptor, its non-blocking state and its place in Asio's reactor.
  auto& state() { return impl_.get_implementation(); }
};

}  // namespace snasio::net
