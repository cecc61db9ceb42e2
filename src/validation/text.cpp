#include "validation/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace snasio::validation {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool text_to_integer(std::string_view s, std::int64_t& out) {
  // Most texts are a few plain digits (an id): read at once, no overflow possible.
  if (!s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::from_chars(s.data(), s.data() + s.size(), out), true;
  s = trimmed(s);
  if (auto dot = s.find('.'); dot != std::string_view::npos) {
    if (s.find_first_not_of('0', dot + 1) != std::string_view::npos) return false;
    s = s.substr(0, dot);
  }
  // The digits without the '_' between them (copied only when there is one).
  std::string digits;
  std::string_view d = s;
  if (s.find('_') != std::string_view::npos) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '_' && i > 0 && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
          std::isdigit(static_cast<unsigned char>(s[i + 1])))
        continue;
      digits += s[i];
    }
    d = digits;
  }
  if (!d.empty() && d[0] == '+') d.remove_prefix(1);
  auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), out);
  return !d.empty() && ec == std::errc() && end == d.data() + d.size();
}

bool text_to_number(std::string_view s, double& out) {
  s = trimmed(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

bool text_to_boolean(std::string_view s, bool& out) {
  std::string lower;
  for (char c : trimmed(s)) lower += char(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view yes : {"true", "1", "yes", "on", "t", "y"})
    if (lower == yes) return out = true;
  for (std::string_view no : {"false", "0", "no", "off", "f", "n"})
    if (lower == no) return !(out = false);
  return false;
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace snasio::validation
