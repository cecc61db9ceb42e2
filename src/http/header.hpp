#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace snasio::http {

/// One header line as received or to be sent.
struct header {
  std::string name;
  std::string value;
};

using header_list = std::vector<header>;

/// Compares two header names as HTTP does: ASCII case-insensitively.
/// Inline: most calls differ in length and end at the first comparison.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

/// Whether `s` is a token (RFC 9110 5.6.2): what a header name, a method and
/// a cookie name are made of. Never empty.
bool is_token(std::string_view s) noexcept;

/// `s` without the spaces and tabs (HTTP's optional whitespace) around it.
std::string_view trim(std::string_view s) noexcept;

/// Finds the first header called `name`; an empty view when there is none.
std::string_view find_header(const header_list& headers, std::string_view name) noexcept;

}  // namespace snasio::http
