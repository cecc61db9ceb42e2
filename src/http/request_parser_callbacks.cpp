// The llhttp callbacks of request_parser (the trampolines in
// request_parser.cpp land here): each gathers its part of the request and
// enforces a limit or a rule of RFC 9110/9112 that strict llhttp leaves open.
#include <algorithm>

#include "http/request_parser.hpp"

namespace snasio::http {

namespace {
// A callback's way of telling llhttp "stop: this input is refused" (HPE_USER).
constexpr int refuse = -1;
}  // namespace

int request_parser::fail(int status, std::string reason) {
  if (error_status_ == 0) {
    error_status_ = status;
    error_reason_ = std::move(reason);
  }
  return refuse;
}

int request_parser::on_message_begin() {
  if (!released_) release();
  released_ = false;
  started_ = true;
  return 0;
}

int request_parser::on_url(std::string_view span) {
  if (request_.target.size() + span.size() > limits_.max_url_bytes)
    return fail(414, "request target too long: over " + std::to_string(limits_.max_url_bytes) +
                         " bytes (--max-url-bytes)");
  request_.target.append(span);
  return 0;
}

int request_parser::on_header_field(std::string_view span) {
  // A field name may arrive in several spans; a new header starts with the
  // first span after a value (or after the request line). The fields after
  // a chunked body are its trailers, kept apart (RFC 9110 6.5.1).
  header_list& fields = in_trailers_ ? request_.trailers : request_.headers;
  if (fields.empty() || in_value_) {
    if (fields.size() >= limits_.max_headers)
      return fail(431, std::string("too many ") + (in_trailers_ ? "trailer" : "header") + " fields: over " +
                           std::to_string(limits_.max_headers) + " (--max-headers)");
    // Room for a browser's usual dozen at once, rather than growing 1, 2, 4, 8, 16.
    if (fields.empty() && !in_trailers_) fields.reserve(std::min<std::size_t>(16, limits_.max_headers));
    fields.emplace_back();
    in_value_ = false;
  }
  fields.back().name.append(span);
  return 0;
}

int request_parser::on_header_field_complete() {
  // A field line with nothing before its colon (": b") gives no name span:
  // no field was started, or the one started is empty. A name is a token,
  // one character at least (RFC 9110 5.1).
  const header_list& fields = in_trailers_ ? request_.trailers : request_.headers;
  if (fields.empty() || in_value_ || fields.back().name.empty()) return fail(400, "bad request: a header field without a name");
  return 0;
}

int request_parser::on_header_value(std::string_view span) {
  in_value_ = true;
  (in_trailers_ ? request_.trailers : request_.headers).back().value.append(span);
  return 0;
}

int request_parser::on_header_value_complete() {
  // An empty value produces no span, but it still ends the header.
  in_value_ = true;
  // llhttp skips the whitespace before a value but keeps what trails it; a
  // field value has neither (RFC 9110 5.5).
  std::string& value = (in_trailers_ ? request_.trailers : request_.headers).back().value;
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  return 0;
}

int request_parser::on_headers_complete() {
  head_complete_ = true;
  request_.method = llhttp_method_name(llhttp_method_t(parser_.method));
  request_.version_major = parser_.http_major;
  request_.version_minor = parser_.http_minor;
  // llhttp also accepts "HTTP/0.9" and "HTTP/2.0" request lines; only 1.x is spoken here.
  if (request_.version_major != 1) return fail(505, "HTTP version not supported");
  // The asterisk form names the server itself, for OPTIONS only (RFC 9112 3.2.4).
  if (request_.target == "*" && parser_.method != HTTP_OPTIONS)
    return fail(400, "bad request: the target * is for OPTIONS only");
  // llhttp requires "chunked" last; any coding before it (gzip, ...) would hand
  // the handler a body still encoded. None is supported: 501 (RFC 9112 6.1).
  if (parser_.flags & F_CHUNKED)
    for (const auto& h : request_.headers)
      if (iequals(h.name, "Transfer-Encoding") && !iequals(h.value, "chunked"))
        return fail(501, "unsupported transfer coding");
  // Every HTTP/1.1 request names its host, once (RFC 9112 3.2).
  std::size_t hosts = std::count_if(request_.headers.begin(), request_.headers.end(),
                                    [](const header& h) { return iequals(h.name, "Host"); });
  if (hosts > 1) return fail(400, "bad request: more than one Host header");
  if (hosts == 0 && request_.version_minor >= 1) return fail(400, "bad request: no Host header (HTTP/1.1 needs one)");
  // Refuse an announced body that is too large before reading any of it.
  if ((parser_.flags & F_CONTENT_LENGTH) && parser_.content_length > limits_.max_body_bytes) return body_too_large();
  std::string_view expect = request_.header("Expect");
  if (!expect.empty()) {
    if (!iequals(expect, "100-continue")) return fail(417, "unsupported expectation");
    bool has_body = (parser_.flags & F_CHUNKED) || parser_.content_length > 0;
    expect_continue_ = has_body && parser_.http_minor >= 1;
  }
  // Pause, so that parse() knows exactly which bytes were the head.
  return HPE_PAUSED;
}

int request_parser::on_chunk_header() {
  // A chunk that would take the body past its limit is refused now, before
  // any of its bytes are awaited.
  if (parser_.content_length > limits_.max_body_bytes - request_.body.size()) return body_too_large();
  // The last chunk (size 0) is followed by the trailer section: a second head,
  // counted the same way and against the same limit. Pause where it starts.
  if (parser_.content_length != 0) return 0;
  in_trailers_ = true;
  in_value_ = false;
  head_bytes_ = 0;
  return HPE_PAUSED;
}

int request_parser::on_body(std::string_view span) {
  if (request_.body.size() + span.size() > limits_.max_body_bytes) return body_too_large();
  request_.body.append(span);
  return 0;
}

int request_parser::body_too_large() {
  return fail(413, "request body too large: over " + std::to_string(limits_.max_body_bytes) +
                       " bytes (--max-body-bytes)");
}

int request_parser::on_message_complete() {
  message_complete_ = true;
  request_.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
  // An upgrade or CONNECT hands the connection to another protocol, which
  // snasio does not speak: answer this request, then close.
  if (parser_.upgrade) must_close_ = true;
  // Pause so that parse() returns with exactly one request; the bytes after it
  // (a pipelined request) stay in the caller's buffer for the next call.
  return HPE_PAUSED;
}

}  // namespace snasio::http
