#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/header.hpp"

namespace snasio::http {

/// A fully parsed HTTP request, as plain values.
struct request {
  std::string method;   ///< "GET", "POST", ...
  std::string target;   ///< the request-target exactly as sent: path and query, still encoded
  int version_major = 1;
  int version_minor = 1;
  header_list headers;  ///< in arrival order; names keep the client's case
  std::string body;     ///< the decoded body (chunked framing removed)
  /// The trailer section of a chunked body: kept apart, never merged into
  /// the headers, so it can change no Host, framing, content type,
  /// forwarding or request id.
  header_list trailers;
  bool keep_alive = true;  ///< whether the connection may carry another request
  std::string client_host;       ///< the peer's address, filled in by the connection
  std::uint16_t client_port = 0;  ///< the peer's port, filled in by the connection
  bool https = false;             ///< the scheme is "https": a trusted proxy says so
  std::string request_id;         ///< the client's X-Request-ID, or one made for it

  /// The path part of the target, still percent-encoded.
  std::string_view raw_path() const noexcept;
  /// The query part of the target (after '?'), still encoded; empty when absent.
  std::string_view raw_query() const noexcept;
  /// The value of the first header called `name` (case-insensitive), or empty.
  std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
};

}  // namespace snasio::http
