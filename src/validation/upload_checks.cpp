#include "validation/upload_checks.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include "http/media_type.hpp"

namespace snasio::validation {

namespace {

// What a file's first bytes say it is, for the types an upload is checked against.
std::string_view sniffed(std::string_view data) {
  const std::pair<std::string_view, std::string_view> signatures[] = {
      {"\x89PNG\r\n\x1a\n", "image/png"}, {"\xff\xd8\xff", "image/jpeg"}, {"GIF8", "image/gif"},
      {"%PDF", "application/pdf"}};
  for (const auto& [magic, type] : signatures)
    if (data.starts_with(magic)) return type;
  return {};
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += digits[c >> 4], out += digits[c & 15];
  return out;
}

}  // namespace

std::optional<error> upload_error(const http::form_part& part, const std::vector<std::string>& content_types,
                                  bool magic, const std::string& loc) {
  std::string declared = http::media_type(part.content_type.empty() ? "text/plain" : part.content_type);
  if (!content_types.empty() && std::find(content_types.begin(), content_types.end(), declared) == content_types.end()) {
    std::string allowed;
    for (const auto& t : content_types) allowed += (allowed.empty() ? "" : ", ") + t;
    return error{"validation_error", loc, "Invalid content type '" + declared + "'. Allowed types: " + allowed, {}, {}};
  }
  if (magic && part.data.empty()) return error{"validation_error", loc, "File buffer is empty", {}, "{\"buffer_size\":0}"};
  std::string_view detected = magic ? sniffed(part.data) : std::string_view();
  if (!detected.empty() && detected != declared)
    return error{"validation_error", loc,
                 "File type mismatch: MIME type is " + declared + " but magic numbers indicate " + std::string(detected),
                 {},
                 "{\"declared_mime\":" + quoted(declared) + ",\"detected_type\":" + quoted(detected) +
                     ",\"magic_bytes\":" + quoted(hex(part.data.substr(0, 8))) + "}"};
  return std::nullopt;
}

}  // namespace snasio::validation
