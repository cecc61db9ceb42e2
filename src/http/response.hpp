#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/encoding.hpp"
#include "http/header.hpp"

namespace snasio::http {

/// A Content-Type value. The server's own are string literals, held by
/// pointer: a JSON answer's type ("application/json", one byte past the
/// short-string buffer) takes no allocation on the thread that makes it and
/// no release on the one that sends it. Any other text is held by copy.
class media_text {
 public:
  media_text() = default;
  /// A literal (static storage: it outlives every answer).
  template <std::size_t N>
  media_text(const char (&literal)[N]) noexcept : literal_(literal, N - 1) {}
  media_text(std::string text) noexcept : own_(std::move(text)) {}
  /// Text in static storage, such as a constant table's entry: held by view.
  static media_text lasting(std::string_view text) noexcept {
    media_text t;
    t.literal_ = text;
    return t;
  }

  std::string_view view() const noexcept { return literal_.data() ? literal_ : std::string_view(own_); }
  operator std::string_view() const noexcept { return view(); }
  bool empty() const noexcept { return view().empty(); }
  std::size_t size() const noexcept { return view().size(); }
  void clear() noexcept { literal_ = {}, own_.clear(); }
  friend bool operator==(const media_text& a, std::string_view b) noexcept { return a.view() == b; }

 private:
  std::string_view literal_;  // set (not null): static text; else `own_`
  std::string own_;
};

/// A response to send: status, extra headers, content type and body.
/// Date, Server, Content-Length and Connection are added when it is serialized.
struct response {
  int status = 200;
  media_text content_type;  ///< empty: no Content-Type header
  header_list headers;       ///< extra headers, sent as given
  std::string body;
  /// The body follows in pieces after the head (a stream): chunked, or for
  /// HTTP/1.0 until the connection closes; `body` is then unused.
  bool streamed = false;
  /// A stream's length when it is known (a file): sent as Content-Length,
  /// and the pieces go as they are. -1: unknown.
  long long stream_length = -1;

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
  /// A Vary line for whatever answer the request gets (CORS, compression):
  /// text the server made at start-up, which outlives every answer.
  std::string_view vary;
  /// Headers the server adds to whatever answer the request gets (CORS, Vary).
  header_list extra_headers;
  /// The coding the client takes, under `compression` (null: off): an
  /// answer the policy covers is compressed with it.
  coding encode = coding::identity;
  const compression_policy* compression = nullptr;
};

/// Whether `r` may be compressed under `p`: a success other than 206, not
/// encoded already, of a type the policy names, at least its minimum size
/// (a stream of unknown length counts as large enough).
bool compressible(const response& r, const compression_policy& p);

/// One piece of a chunked body: its size in hex, CRLF, the bytes, CRLF.
/// Empty bytes give nothing (an empty chunk would end the body).
std::string chunk(std::string_view bytes);
/// What ends a chunked body.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

/// Serializes `r` into one buffer: status line, headers, blank line, body.
/// `date` is the preformatted IMF-fixdate for the Date header. A streamed
/// response gets its head only, with Transfer-Encoding: chunked (HTTP/1.1)
/// or Connection: close (HTTP/1.0) in place of Content-Length.
std::string serialize(const response& r, const framing& f, std::string_view date);

/// Makes a response serialized for a keep-alive connection the last one on
/// it: its head says `Connection: close` (a drain that began after the answer
/// was made, while it waited behind an earlier one). False when `serialized`
/// has no complete head.
bool make_closing(std::string& serialized);

}  // namespace snasio::http
