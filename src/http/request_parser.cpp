#include "http/request_parser.hpp"

#include <algorithm>
#include <memory>

namespace snasio::http {

// The trampoline table: llhttp calls plain C functions with the llhttp_t*;
// each forwards to the member of the request_parser stored in `data`. They hold
// no logic, so everything that matters reads as ordinary member functions.
struct parser_callbacks {
  static request_parser& self(llhttp_t* p) { return *static_cast<request_parser*>(p->data); }
  static std::string_view span(const char* at, std::size_t n) { return {at, n}; }

  static int message_begin(llhttp_t* p) { return self(p).on_message_begin(); }
  static int url(llhttp_t* p, const char* at, std::size_t n) { return self(p).on_url(span(at, n)); }
  static int header_field(llhttp_t* p, const char* at, std::size_t n) { return self(p).on_header_field(span(at, n)); }
  static int header_value(llhttp_t* p, const char* at, std::size_t n) { return self(p).on_header_value(span(at, n)); }
  static int header_value_complete(llhttp_t* p) { return self(p).on_header_value_complete(); }
  static int headers_complete(llhttp_t* p) { return self(p).on_headers_complete(); }
  static int chunk_header(llhttp_t* p) { return self(p).on_chunk_header(); }
  static int body(llhttp_t* p, const char* at, std::size_t n) { return self(p).on_body(span(at, n)); }
  static int message_complete(llhttp_t* p) { return self(p).on_message_complete(); }
};

namespace {
// A callback's way of telling llhttp "stop: this input is refused" (HPE_USER).
constexpr int refuse = -1;

// What a client is told about input llhttp refused: in the terms of HTTP, not
// of the parser's states.
std::string_view client_reason(llhttp_errno_t err) {
  switch (err) {
    case HPE_INVALID_METHOD: return "invalid method";
    case HPE_INVALID_URL: return "invalid request target";
    case HPE_INVALID_CONSTANT:
    case HPE_INVALID_VERSION: return "invalid request line";
    case HPE_INVALID_HEADER_TOKEN: return "invalid character in a header";
    case HPE_INVALID_CONTENT_LENGTH:
    case HPE_UNEXPECTED_CONTENT_LENGTH: return "invalid Content-Length";
    case HPE_INVALID_TRANSFER_ENCODING: return "invalid Transfer-Encoding";
    case HPE_INVALID_CHUNK_SIZE: return "invalid chunk size";
    case HPE_CR_EXPECTED:
    case HPE_LF_EXPECTED: return "malformed line ending";
    case HPE_UNEXPECTED_SPACE: return "unexpected whitespace";
    default: return "malformed request";
  }
}

// Whether `bytes` hold an LF that does not end a CRLF; `last` is the byte seen
// before them, and is updated to their last byte.
bool has_bare_lf(std::string_view bytes, char& last) {
  if (bytes.empty()) return false;
  for (std::size_t lf = bytes.find('\n'); lf != std::string_view::npos; lf = bytes.find('\n', lf + 1))
    if ((lf == 0 ? last : bytes[lf - 1]) != '\r') return true;
  last = bytes.back();
  return false;
}
}  // namespace

request_parser::request_parser(const limits& l) : limits_(l) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = &parser_callbacks::message_begin;
  settings_.on_url = &parser_callbacks::url;
  settings_.on_header_field = &parser_callbacks::header_field;
  settings_.on_header_value = &parser_callbacks::header_value;
  settings_.on_header_value_complete = &parser_callbacks::header_value_complete;
  settings_.on_headers_complete = &parser_callbacks::headers_complete;
  settings_.on_chunk_header = &parser_callbacks::chunk_header;
  settings_.on_body = &parser_callbacks::body;
  settings_.on_message_complete = &parser_callbacks::message_complete;
  // Strict mode and no lenient flags: every leniency llhttp offers is a way for
  // two parsers to disagree about where a request ends (request smuggling).
  llhttp_init(&parser_, HTTP_REQUEST, &settings_);
  parser_.data = this;
}

request_parser::state request_parser::parse(std::string_view input, std::size_t& consumed) {
  consumed = 0;
  // After an error llhttp only repeats it, with a position in an old buffer.
  if (error_status_ != 0) return state::error;
  bool section_ended = false;
  while (consumed < input.size() || section_ended) {
    std::string_view rest = input.substr(consumed);
    // The head and the trailers are counted as the client sent them, whitespace
    // included, not just the parts llhttp reports as spans; so llhttp is never
    // shown more of them than the budget has left. llhttp pauses where each
    // ends, so no body byte is ever counted.
    const bool counted = !head_complete_ || in_trailers_;
    if (counted) {
      if (head_bytes_ >= limits_.max_header_bytes) {
        fail(431, std::string(in_trailers_ ? "trailer fields" : "request header") + " too large: over " +
                      std::to_string(limits_.max_header_bytes) + " bytes (--max-header-bytes)");
        return state::error;
      }
      rest = rest.substr(0, limits_.max_header_bytes - head_bytes_);
    }
    std::size_t used = 0;
    state s = execute(rest, used, section_ended);
    consumed += used;
    if (counted) {
      head_bytes_ += used;
      // llhttp (strict) refuses a bare LF in most places but not all of them
      // (after the request line, as the empty last line); a bare LF is a way
      // for two parsers to disagree about where a line ends, so none passes.
      // It is reported even when llhttp stopped at some later fault, so that
      // the answer does not depend on how the input was cut into pieces.
      if (has_bare_lf(rest.substr(0, used), last_head_byte_)) {
        error_status_ = 400;
        error_reason_ = "bad request: LF without CR";
        return state::error;
      }
    }
    if (s != state::incomplete) return s;
  }
  return state::incomplete;
}

request_parser::state request_parser::execute(std::string_view input, std::size_t& consumed, bool& section_ended) {
  section_ended = false;
  llhttp_errno_t err = llhttp_execute(&parser_, input.data(), input.size());
  if (err == HPE_OK) {
    consumed = input.size();
    return state::incomplete;
  }
  consumed = std::size_t(llhttp_get_error_pos(&parser_) - input.data());
  if (message_complete_ && (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE)) {
    llhttp_resume(&parser_);
    return state::complete;
  }
  if (err == HPE_PAUSED) {
    // Paused at the end of the head or of the last chunk: llhttp may have more
    // to do (finish a bodyless request) even if no input is left.
    llhttp_resume(&parser_);
    section_ended = true;
    return state::incomplete;
  }
  if (err == HPE_PAUSED_H2_UPGRADE) {
    // The HTTP/2 connection preface ("PRI * HTTP/2.0"): say so plainly.
    fail(505, "HTTP/2 is not supported: speak HTTP/1.1");
  } else if (error_status_ == 0) {
    error_status_ = 400;
    error_reason_ = "bad request: ";
    error_reason_ += client_reason(err);
  }
  return state::error;
}

request&& request_parser::take() {
  head_bytes_ = 0;
  last_head_byte_ = 0;
  started_ = head_complete_ = in_trailers_ = message_complete_ = expect_continue_ = in_value_ = false;
  return std::move(request_);
}

bool request_parser::take_expect_continue() noexcept {
  bool e = expect_continue_;
  expect_continue_ = false;
  return e;
}

int request_parser::fail(int status, std::string reason) {
  if (error_status_ == 0) {
    error_status_ = status;
    error_reason_ = std::move(reason);
  }
  return refuse;
}

void request_parser::release() {
  // A fresh request, made in place over the one taken before (its members
  // mostly moved out by now): assigning a temporary would move each member in turn.
  std::destroy_at(&request_);
  std::construct_at(&request_);
  released_ = true;
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
