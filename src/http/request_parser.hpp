#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <llhttp.h>

#include "http/limits.hpp"
#include "http/request.hpp"

namespace snasio::http {

/// Incremental HTTP/1.1 request parser over llhttp (strict mode), enforcing `limits`.
class request_parser {
 public:
  /// Where parsing stands after a call to parse().
  enum class state {
    incomplete,  ///< all input consumed, the request is not finished yet
    complete,    ///< one request is finished; take() it, then parse the rest
    error,       ///< the input is not acceptable; see error_status() and error_reason()
  };

  explicit request_parser(const limits& l = {});
  request_parser(const request_parser&) = delete;
  request_parser& operator=(const request_parser&) = delete;

  /// Parses up to one request from `input`; `consumed` says how many bytes were used.
  /// After state::error it parses nothing more.
  state parse(std::string_view input, std::size_t& consumed);
  /// Hands over the finished request, to move from (it is not copied), and
  /// gets ready for the next one: the request stays valid until release()
  /// or until the next request begins.
  request&& take();
  /// After state::error, the request refused, when its head was read whole
  /// (a body past its limit, say): method, target and headers, without the
  /// part of the body that came. A head cut short gives nothing: no request
  /// could be read. The parser stays in its error state.
  std::optional<request> refused_request();
  /// Frees what the taker of the last request did not move out of it (a
  /// native route's body, say) now, rather than when the next request
  /// begins: a connection that waits for its next request holds nothing.
  void release();

  /// Whether any byte of the current request has been seen.
  bool started() const noexcept { return started_; }
  /// Whether the current request's head (request line and headers) is complete.
  bool head_complete() const noexcept { return head_complete_; }
  /// True once per request whose client sent `Expect: 100-continue` and waits for it.
  bool take_expect_continue() noexcept;
  /// Whether the connection cannot carry another request after this one (upgrade, CONNECT).
  bool must_close() const noexcept { return must_close_; }

  /// The status to answer with after state::error (400, 413, 414, 417, 431, 501, 505).
  int error_status() const noexcept { return error_status_; }
  /// A short reason for the error, fit for a client to read.
  std::string_view error_reason() const noexcept { return error_reason_; }

 private:
  // The llhttp callbacks land here through the trampoline table in the .cpp.
  friend struct parser_callbacks;
  int on_message_begin();
  int on_url(std::string_view span);
  int on_header_field(std::string_view span);
  int on_header_field_complete();
  int on_header_value(std::string_view span);
  int on_header_value_complete();
  int on_headers_complete();
  int on_chunk_header();
  int on_body(std::string_view span);
  int on_message_complete();
  int fail(int status, std::string reason);
  int body_too_large();

  state execute(std::string_view input, std::size_t& consumed, bool& section_ended);
  bool single_spaced(std::string_view head_bytes);

  limits limits_;
  llhttp_t parser_;
  llhttp_settings_t settings_;
  request request_;
  std::size_t head_bytes_ = 0;  // bytes of the head (or of the trailers) so far
  char last_head_byte_ = 0;     // the byte before the next head byte: was it a CR?
  bool started_ = false;
  bool head_complete_ = false;
  bool head_checked_ = false;   // the head is complete and passed the checks after llhttp (bare LF, spacing)
  bool in_trailers_ = false;
  bool message_complete_ = false;
  bool expect_continue_ = false;
  bool must_close_ = false;
  bool in_value_ = false;
  bool line_read_ = false;      // the request line has ended (single_spaced has seen it all)
  int line_spaces_ = -1;        // spaces in the request line so far; -1 before its first byte
  bool released_ = true;  // request_ is fresh: the next request can begin in it
  int error_status_ = 0;
  std::string error_reason_;
};

}  // namespace snasio::http
