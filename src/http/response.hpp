#pragma once

#include <string>
#include <string_view>

#include "http/header.hpp"

namespace snasio::http {

/// A response to send: status, extra headers, content type and body.
/// Date, Server, Content-Length and Connection are added when it is serialized.
struct response {
  int status = 200;
  std::string content_type;  ///< empty: no Content-Type header
  header_list headers;       ///< extra headers, sent as given
  std::string body;

  /// A JSON response whose body is already encoded.
  static response json(int status, std::string body);
  /// A JSON error body `{"error": reason}`.
  static response error(int status, std::string_view reason);
  /// A text/plain response.
  static response text(int status, std::string body);
};

/// Escapes `s` as the inside of a JSON string (no surrounding quotes).
std::string json_escape(std::string_view s);

/// Whether a response with this status carries no body and no Content-Length (1xx, 204, 304).
constexpr bool status_forbids_body(int status) noexcept {
  return status < 200 || status == 204 || status == 304;
}

/// How to frame one serialized response.
struct framing {
  bool head_request = false;  ///< HEAD: headers as for GET, body left out
  bool keep_alive = true;     ///< false: send `Connection: close`
  bool http10 = false;        ///< HTTP/1.0 keep-alive must be announced explicitly
  std::string request_id;     ///< sent back as X-Request-ID when not empty
};

/// Serializes `r` into one buffer: status line, headers, blank line, body.
/// `date` is the preformatted IMF-fixdate for the Date header.
std::string serialize(const response& r, const framing& f, std::string_view date);

}  // namespace snasio::http
