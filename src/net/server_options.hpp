#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "http/forwarded.hpp"
#include "http/limits.hpp"

namespace snasio::net {

/// How access log lines are written (--access-log-format).
enum class access_log_format { text, json };

/// Where to listen and the limits every connection runs under; each has a CLI flag.
struct server_options {
  // Timeouts take fractions of a second (--header-timeout 0.5).
  using duration = std::chrono::milliseconds;

  std::string host = "127.0.0.1";  ///< --host
  std::uint16_t port = 8000;       ///< --port (0 picks a free port)
  std::string uds;                 ///< --uds: a Unix socket path to listen on instead of host and port
  unsigned uds_mode = 0660;        ///< --uds-mode: its permission bits (who may connect: owner and group)
  int listen_fd = -1;              ///< a listening socket to serve instead of binding (a worker's, inherited)
  http::limits limits;             ///< request size limits

  /// --header-timeout: time from the first byte of a request to the end of its
  /// head (and from accept to the first request). Bounds how long a client
  /// that trickles bytes can hold a connection. Expired mid-head: 408.
  duration header_timeout{std::chrono::seconds(10)};
  /// --body-timeout: time from the end of the head to the end of the body. Expired: 408.
  duration body_timeout{std::chrono::seconds(30)};
  /// --keepalive-timeout: how long an idle keep-alive connection stays open.
  duration keepalive_timeout{std::chrono::seconds(5)};
  /// --write-timeout: how long one response may take to be accepted by a client
  /// that does not read; past it the connection is dropped.
  duration write_timeout{std::chrono::seconds(30)};
  /// --drain-timeout: on SIGINT/SIGTERM, how long requests already received
  /// may take to finish; then those still running are answered 503.
  duration drain_timeout{std::chrono::seconds(10)};
  /// --max-connections: open connections; past it new ones are closed at once,
  /// so a flood cannot exhaust file descriptors or memory.
  std::size_t max_connections = 10000;
  /// --max-pipelined: requests of one connection parsed ahead of their
  /// responses; past it the connection stops reading until responses are written.
  std::size_t max_pipelined = 16;
  /// --max-unsent-bytes: the bytes of its answers one connection may have
  /// waiting to be sent (to a client that does not read, say), answers not
  /// made yet counted at the size of its largest so far; a request whose
  /// answer would pass it is not parsed, and nothing more is read, until
  /// some are written (a connection that owes nothing always takes one). It
  /// bounds what a client that pipelines and never reads makes the server hold.
  std::size_t max_unsent_bytes = 1024 * 1024;
  /// --max-request-id-bytes: an incoming X-Request-ID longer than this is
  /// replaced by one the server makes.
  std::size_t max_request_id_bytes = 128;
  /// --request-id-header: each answer carries its request's id as X-Request-ID.
  bool request_id_header = true;
  /// --request-id-format uuid: ids the server makes are shaped as UUIDs (36
  /// characters, an allocation each); short: a prefix and a count (at most 15).
  bool request_id_uuid = false;
  /// --stream-buffer-bytes: a streamed response's bytes waiting to be written
  /// before its producer is asked for more (a slow reader holds no more).
  std::size_t stream_buffer_bytes = 64 * 1024;

  /// --access-log: a line per request on stdout, as text or JSON (--access-log-format).
  bool access_log = false;
  access_log_format log_format = access_log_format::text;
  /// --forwarded-allow-ips: the proxies whose X-Forwarded-For / -Proto and
  /// Forwarded headers are believed: addresses and blocks, "unix" for peers
  /// on a Unix socket, "*" for every peer.
  http::trusted_peers forwarded_allow_ips = {{*http::network::parse("127.0.0.1")}};
};

}  // namespace snasio::net
