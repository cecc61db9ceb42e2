#pragma once

#include <cstddef>

namespace snasio::http {

/// The size limits one request must stay within; each has a CLI flag in snasio-serve.
struct limits {
  /// Request line plus all header lines (--max-header-bytes). Bounds the memory a
  /// client can make the server hold before it has a request to act on. Over it: 431.
  /// The trailer section of a chunked body gets the same allowance of its own.
  static constexpr std::size_t default_max_header_bytes = 16 * 1024;
  /// Number of header lines (--max-headers): keeps per-request work linear and small. Over it: 431.
  static constexpr std::size_t default_max_headers = 100;
  /// Request-target length (--max-url-bytes). Over it: 414.
  static constexpr std::size_t default_max_url_bytes = 8 * 1024;
  /// Decoded body size (--max-body-bytes). The whole body is buffered before the
  /// handler runs, so this is the memory one request may cost. Over it: 413,
  /// answered from Content-Length alone, before any of the body is read.
  static constexpr std::size_t default_max_body_bytes = 1024 * 1024;

  std::size_t max_header_bytes = default_max_header_bytes;
  std::size_t max_headers = default_max_headers;
  std::size_t max_url_bytes = default_max_url_bytes;
  std::size_t max_body_bytes = default_max_body_bytes;
};

}  // namespace snasio::http
