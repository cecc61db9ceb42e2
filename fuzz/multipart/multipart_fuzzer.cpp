// Fuzzes the multipart/form-data parser. Input: a Content-Type line, a
// newline, then the body. Checked on every input, not just "no crash":
//   - a refusal says why;
//   - each part's data lies inside the body and never holds the delimiter;
//   - the parts, written out again as a well-formed body, parse back to the
//     same names, filenames, content types and data (names without CR or LF).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/media_type.hpp"
#include "http/multipart.hpp"

using snasio::http::form_part;
using snasio::http::parameter;
using snasio::http::parse_multipart;

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

bool writable(const form_part& p) {
  auto clean = [](std::string_view s) { return s.find_first_of(std::string_view("\r\n", 2)) == std::string_view::npos; };
  return clean(p.name) && (!p.filename || clean(*p.filename)) && clean(p.content_type);
}

std::string write(const std::vector<form_part>& parts, std::string_view boundary) {
  std::string out;
  for (const auto& p : parts) {
    out.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=").append(quoted(p.name));
    if (p.filename) out.append("; filename=").append(quoted(*p.filename));
    if (!p.content_type.empty()) out.append("\r\nContent-Type: ").append(p.content_type);
    out.append("\r\n\r\n").append(p.data).append("\r\n");
  }
  return out.append("--").append(boundary).append("--\r\n");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  std::string boundary = parameter(input.substr(0, newline), "boundary").value_or("");
  std::string_view body = input.substr(newline + 1);

  std::vector<form_part> parts;
  std::string error;
  if (!parse_multipart(body, boundary, parts, error)) {
    if (error.empty()) std::abort();
    return 0;
  }
  const std::string delimiter = "\r\n--" + boundary;
  for (const auto& p : parts) {
    if (p.data.data() < body.data() || p.data.data() + p.data.size() > body.data() + body.size()) std::abort();
    if (p.data.find(delimiter) != std::string_view::npos) std::abort();
  }
  // Content types are trimmed when read, so only those without outer spaces come back the same.
  if (!std::all_of(parts.begin(), parts.end(), writable)) return 0;
  std::string again = write(parts, boundary);
  std::vector<form_part> reparsed;
  if (!parse_multipart(again, boundary, reparsed, error) || reparsed.size() != parts.size()) std::abort();
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (reparsed[i].name != parts[i].name || reparsed[i].filename != parts[i].filename ||
        reparsed[i].content_type != parts[i].content_type || reparsed[i].data != parts[i].data)
      std::abort();
  return 0;
}
