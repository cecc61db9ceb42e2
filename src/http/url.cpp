#include "http/url.hpp"

#include <cstddef>

namespace snasio::http {
namespace {

/// The value of one hex digit, or -1.
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// The byte a "%XY" escape at `pos` stands for, or -1 when it is not one.
int escape_at(std::string_view raw, std::size_t pos) {
  if (raw.size() - pos < 3) return -1;
  int high = hex_value(raw[pos + 1]);
  int low = hex_value(raw[pos + 2]);
  if (high < 0 || low < 0) return -1;
  return high * 16 + low;
}

}  // namespace

std::string decode_query_component(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t pos = 0; pos < raw.size(); ++pos) {
    int byte = raw[pos] == '%' ? escape_at(raw, pos) : -1;
    if (byte >= 0) {
      out += static_cast<char>(byte);
      pos += 2;
    } else {
      out += raw[pos] == '+' ? ' ' : raw[pos];
    }
  }
  return out;
}

// A path with a bad escape is refused (400) rather than guessed at: the path
// decides which handler runs, so it must mean one thing only.
std::optional<std::string> percent_decode_path(std::string_view raw) {
  // Most paths have no escape at all: copy them whole.
  std::size_t pos = raw.find('%');
  std::string out(raw.substr(0, pos));
  if (pos == std::string_view::npos) return out;
  out.reserve(raw.size());
  for (; pos < raw.size(); ++pos) {
    if (raw[pos] != '%') {
      out += raw[pos];
      continue;
    }
    int byte = escape_at(raw, pos);
    if (byte < 0) return std::nullopt;
    out += static_cast<char>(byte);
    pos += 2;
  }
  return out;
}

bool next_query_pair(std::string_view& rest, std::string_view& key, std::string_view& value) {
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto equals = pair.find('=');
    key = pair.substr(0, equals);
    value = pair.substr(equals == std::string_view::npos ? pair.size() : equals + 1);  // (never a null view)
    return true;
  }
  return false;
}

// Like werkzeug's url_decode: pairs split on '&' only, empty pairs skipped,
// the key ends at the first '='. The bytes may be any bytes; the Python
// bridge decodes them as UTF-8 with errors="replace", as werkzeug does.
std::vector<query_pair> parse_query(std::string_view raw, std::size_t max_pairs) {
  std::vector<query_pair> out;
  std::string_view key, value;
  while (out.size() <= max_pairs && next_query_pair(raw, key, value))
    out.emplace_back(decode_query_component(key), decode_query_component(value));
  return out;
}

}  // namespace snasio::http
