// Drives the request parser as a connection does: input arrives in pieces (the
// first four bytes choose their sizes), complete requests are taken, an error
// ends the stream. Aborts when an invariant breaks, or when the pieces give
// other requests than the same input fed whole. (Which status an error gets
// may differ: a request with two faults is refused for whichever is seen first.)
// The first request's headers are exactly the field lines of the input's
// first head, counted from the raw bytes: trailers never join them.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/request_parser.hpp"

namespace {

using snasio::http::request_parser;

// Small limits, so that short inputs reach every one of them.
constexpr snasio::http::limits limits{.max_header_bytes = 256, .max_headers = 8, .max_url_bytes = 64, .max_body_bytes = 128};

// The field lines of the first head in `stream`, counted from the bytes
// (a line that starts with a space or a tab continues the one before; empty
// lines before the request line are skipped, RFC 9112 2.2).
std::size_t head_fields(std::string_view stream) {
  stream.remove_prefix(std::min(stream.size(), stream.find_first_not_of("\r\n")));
  std::string_view head = stream.substr(0, stream.find("\r\n\r\n"));
  std::size_t fields = 0;
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos; at = head.find("\r\n", at + 2))
    if (at + 2 < head.size() && head[at + 2] != ' ' && head[at + 2] != '\t') ++fields;
  return fields;
}

// Feeds `stream` in pieces of sizes[i % 4] bytes; returns all that came out.
std::string run(std::string_view stream, const std::size_t (&sizes)[4]) {
  request_parser parser(limits);
  std::string buffer, out;
  for (std::size_t at = 0, i = 0; at < stream.size(); at += sizes[i++ % 4]) {
    buffer.append(stream.substr(at, sizes[i % 4]));
    for (;;) {
      std::size_t used = 0;
      auto state = parser.parse(buffer, used);
      if (used > buffer.size()) std::abort();
      buffer.erase(0, used);
      if (state == request_parser::state::error) {
        if (parser.error_status() < 400 || parser.error_status() > 505 || parser.error_reason().empty()) std::abort();
        return out + "error";
      }
      if (state == request_parser::state::incomplete) break;
      auto r = parser.take();
      if (r.body.size() > limits.max_body_bytes || r.headers.size() > limits.max_headers ||
          r.trailers.size() > limits.max_headers)
        std::abort();
      if (out.empty() && r.headers.size() != head_fields(stream)) std::abort();
      out += r.method + ' ' + r.target + '\n';
      for (const auto& h : r.headers) out += h.name + ':' + h.value + '\n';
      out += r.body + '\n';
      for (const auto& t : r.trailers) out += "trailer " + t.name + ':' + t.value + '\n';
    }
    if (!buffer.empty()) std::abort();  // an unfinished request uses up all it is shown
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  std::string_view stream(reinterpret_cast<const char*>(data + 4), size - 4);
  const std::size_t pieces[4] = {data[0] % 32 + 1u, data[1] % 32 + 1u, data[2] % 32 + 1u, data[3] % 32 + 1u};
  const std::size_t whole[4] = {stream.size(), stream.size(), stream.size(), stream.size()};
  if (run(stream, pieces) != run(stream, whole)) std::abort();
  return 0;
}
