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

  /// Fields of an application/x-www-form-urlencoded body (--max-form-fields),
  /// and parts of a multipart/form-data one (--max-form-parts), as Starlette
  /// bounds them: each costs Python objects when the handler reads the form
  /// (a 1 MB body of 524,288 empty fields cost 0.43 s of Python). Over it: 413,
  /// decided before the request is queued.
  static constexpr std::size_t default_max_form_fields = 1000;
  static constexpr std::size_t default_max_form_parts = 1000;

  std::size_t max_header_bytes = default_max_header_bytes;
  std::size_t max_headers = default_max_headers;
  std::size_t max_url_bytes = default_max_url_bytes;
  std::size_t max_body_bytes = default_max_body_bytes;
  std::size_t max_form_fields = default_max_form_fields;
  std::size_t max_form_parts = default_max_form_parts;
};

}  // namespace snasio::http
