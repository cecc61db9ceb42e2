#include "http/media_type.hpp"

#include "http/header.hpp"

namespace snasio::http {

namespace {

// A quoted-string at the start of `s` (which begins with '"'): its content,
// with backslash escapes undone; `s` is left after the closing quote. An
// unterminated one takes the rest.
std::string unquote(std::string_view& s) {
  std::string out;
  std::size_t i = 1;
  for (; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  s.remove_prefix(std::min(i + 1, s.size()));
  return out;
}

}  // namespace

std::string media_type(std::string_view content_type) {
  std::string out(trim(content_type.substr(0, content_type.find(';'))));
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

bool is_json_media_type(std::string_view content_type) noexcept {
  std::string_view media = trim(content_type.substr(0, content_type.find(';')));
  if (iequals(media, "application/json")) return true;
  return media.size() > 5 && iequals(media.substr(media.size() - 5), "+json");
}

std::optional<std::string> parameter(std::string_view value, std::string_view name) {
  std::size_t semicolon = value.find(';');
  while (semicolon != std::string_view::npos) {
    value.remove_prefix(semicolon + 1);
    std::size_t stop = value.find_first_of(";=");
    std::string_view key = trim(value.substr(0, stop));
    if (stop == std::string_view::npos || value[stop] == ';') {  // a parameter without a value
      semicolon = stop;
      continue;
    }
    value = trim(value.substr(stop + 1));
    std::string found = value.starts_with('"') ? unquote(value) : std::string(trim(value.substr(0, value.find(';'))));
    if (iequals(key, name)) return found;
    semicolon = value.find(';');
  }
  return std::nullopt;
}

}  // namespace snasio::http
