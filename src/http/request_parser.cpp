#include "http/request_parser.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace snasio::http {

// The trampoline table: llhttp calls plain C functions with the llhttp_t*;
// each forwards to the member of the request_parser stored in `data`. They hold
// no logic, so everything that matters reads as ordinary member functions
// (request_parser_callbacks.cpp).
struct parser_callbacks {
  static request_parser& self(llhttp_t* p) { return *static_cast<request_parser*>(p->data); }
  static std::string_view span(const char* at, std::size_t n) { return {at, n}; }

  static int message_begin(llhttp_t* p) { return self(p).on_message_begin(); }
  static int url(llhttp_t* p, const char* at, std::size_t n) { return self(p).on_url(span(at, n)); }
  static int header_field(llhttp_t* p, const char* at, std::size_t n) { return self(p).on_header_field(span(at, n)); }
  static int header_field_complete(llhttp_t* p) { return self(p).on_header_field_complete(); }
  static int header_value(llhttp_t* p, const char* at, std::size_t n) { return self(p).on_header_value(span(at, n)); }
  static int header_value_complete(llhttp_t* p) { return self(p).on_header_value_complete(); }
  static int headers_complete(llhttp_t* p) { return self(p).on_headers_complete(); }
  static int chunk_header(llhttp_t* p) { return self(p).on_chunk_header(); }
  static int body(llhttp_t* p, const char* at, std::size_t n) { return self(p).on_body(span(at, n)); }
  static int message_complete(llhttp_t* p) { return self(p).on_message_complete(); }
};

namespace {
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
  settings_.on_header_field_complete = &parser_callbacks::header_field_complete;
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
      if (!line_read_ && !single_spaced(rest.substr(0, used))) {
        error_status_ = 400;
        error_reason_ = "bad request: the request line has more than one space between its parts";
        return state::error;
      }
      if (head_complete_ && !in_trailers_) head_checked_ = true;  // every byte of the head passed
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

// The request line is "method SP target SP version" (RFC 9112 3), one space
// each; llhttp takes a run of spaces for one, where another parser may not.
// Counted as its bytes arrive; empty lines before it are skipped (2.2).
bool request_parser::single_spaced(std::string_view bytes) {
  if (line_spaces_ < 0) {
    std::size_t first = 0;
    while (first < bytes.size() && (bytes[first] == '\r' || bytes[first] == '\n')) ++first;
    if (first == bytes.size()) return true;
    bytes.remove_prefix(first);
    line_spaces_ = 0;
  }
  // The line ends at its CR (a bare LF is refused before this is asked).
  const char* end = static_cast<const char*>(std::memchr(bytes.data(), '\r', bytes.size()));
  line_read_ = end != nullptr;
  int spaces = 0;  // a local: a member would be stored at each byte (chars may alias it)
  for (const char* p = bytes.data(), *stop = end ? end : bytes.data() + bytes.size(); p != stop; ++p) spaces += *p == ' ';
  return (line_spaces_ += spaces) <= 2;
}

request&& request_parser::take() {
  head_bytes_ = 0;
  last_head_byte_ = 0;
  line_spaces_ = -1;
  started_ = head_complete_ = head_checked_ = in_trailers_ = message_complete_ = expect_continue_ = in_value_ =
      line_read_ = false;
  return std::move(request_);
}

std::optional<request> request_parser::refused_request() {
  if (error_status_ == 0 || !head_checked_) return std::nullopt;
  request r;
  r.method = std::move(request_.method);
  r.target = std::move(request_.target);
  r.headers = std::move(request_.headers);
  r.version_major = request_.version_major;
  r.version_minor = request_.version_minor;
  r.keep_alive = false;
  return r;
}

bool request_parser::take_expect_continue() noexcept {
  bool e = expect_continue_;
  expect_continue_ = false;
  return e;
}

void request_parser::release() {
  // A fresh request, made in place over the one taken before (its members
  // mostly moved out by now): assigning a temporary would move each member in turn.
  std::destroy_at(&request_);
  std::construct_at(&request_);
  released_ = true;
}

}  // namespace snasio::http
