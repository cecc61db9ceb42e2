#include "http/header.hpp"

#include <algorithm>

namespace snasio::http {

bool is_token(std::string_view s) noexcept {
  static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  auto token_char = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           extra.find(c) != std::string_view::npos;
  };
  return !s.empty() && std::all_of(s.begin(), s.end(), token_char);
}

std::string_view trim(std::string_view s) noexcept {
  auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view find_header(const header_list& headers, std::string_view name) noexcept {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return h.value;
  return {};
}

}  // namespace snasio::http
