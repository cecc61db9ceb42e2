#pragma once

#include <asio.hpp>

namespace snasio::net {

/// A connection's socket: TCP, or a Unix socket with --uds.
using stream_socket = asio::generic::stream_protocol::socket;

}  // namespace snasio::net
