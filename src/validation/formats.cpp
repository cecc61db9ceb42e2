#include "validation/formats.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace snasio::validation {

namespace {

bool digits(std::string_view s, std::size_t at, std::size_t n) {
  return at + n <= s.size() && std::all_of(s.begin() + long(at), s.begin() + long(at + n), ::isdigit);
}

int number(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool date(std::string_view s) {
  if (s.size() != 10 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2))
    return false;
  int y = number(s, 0, 4), m = number(s, 5, 2), d = number(s, 8, 2);
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

// hh:mm[:ss[.fraction]][Z|±hh:mm]
bool time(std::string_view s) {
  if (!digits(s, 0, 2) || s.size() < 5 || s[2] != ':' || !digits(s, 3, 2)) return false;
  if (number(s, 0, 2) > 23 || number(s, 3, 2) > 59) return false;
  std::size_t at = 5;
  if (at < s.size() && s[at] == ':') {
    if (!digits(s, at + 1, 2) || number(s, at + 1, 2) > 59) return false;
    at += 3;
    if (at < s.size() && s[at] == '.') {
      std::size_t start = ++at;
      while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
      if (at == start) return false;
    }
  }
  if (at == s.size()) return true;
  if (s[at] == 'Z') return at + 1 == s.size();
  if (s[at] != '+' && s[at] != '-') return false;
  return s.size() == at + 6 && digits(s, at + 1, 2) && s[at + 3] == ':' && digits(s, at + 4, 2) &&
         number(s, at + 1, 2) <= 23 && number(s, at + 4, 2) <= 59;
}

bool date_time(std::string_view s) {
  return s.size() > 11 && date(s.substr(0, 10)) && (s[10] == 'T' || s[10] == 't' || s[10] == ' ') &&
         time(s.substr(11));
}

bool uuid(std::string_view s, int version) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::size_t version_at = 14;
  if (s.size() == 36) {
    for (std::size_t i = 0; i < 36; ++i)
      if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !hex(s[i])) return false;
  } else if (s.size() == 32) {
    if (!std::all_of(s.begin(), s.end(), hex)) return false;
    version_at = 12;
  } else {
    return false;
  }
  return version == 0 || s[version_at] == char('0' + version);
}

bool ipv4(std::string_view s) {
  int parts = 0;
  for (std::size_t at = 0;;) {
    std::size_t end = std::min(s.find('.', at), s.size());
    std::string_view part = s.substr(at, end - at);
    if (part.empty() || part.size() > 3 || !digits(part, 0, part.size()) || (part.size() > 1 && part[0] == '0') ||
        number(part, 0, part.size()) > 255)
      return false;
    ++parts;
    if (end == s.size()) break;
    at = end + 1;
  }
  return parts == 4;
}

bool ipv6(std::string_view s) {
  if (s.size() >= INET6_ADDRSTRLEN) return false;
  char text[INET6_ADDRSTRLEN] = {};
  std::copy(s.begin(), s.end(), text);
  unsigned char address[16];
  return inet_pton(AF_INET6, text, address) == 1;
}

bool hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (std::size_t at = 0;;) {
    std::size_t end = std::min(s.find('.', at), s.size());
    std::string_view label = s.substr(at, end - at);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }))
      return false;
    if (end == s.size()) return true;
    at = end + 1;
  }
}

// scheme ":" hier-part, no whitespace or control characters (RFC 3986).
bool uri(std::string_view s) {
  std::size_t colon = s.find(':');
  if (colon == 0 || colon == std::string_view::npos || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (std::size_t i = 1; i < colon; ++i)
    if (!std::isalnum(static_cast<unsigned char>(s[i])) && s[i] != '+' && s[i] != '-' && s[i] != '.') return false;
  return colon + 1 < s.size() &&
         std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

bool email(std::string_view s) {
  std::size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) return false;
  std::string_view domain = s.substr(at + 1);
  return domain.find('.') != std::string_view::npos && hostname(domain) &&
         std::none_of(s.begin(), s.begin() + long(at), [](char c) { return static_cast<unsigned char>(c) <= ' '; });
}

// P[nY][nM][nW][nD][T[nH][nM][n[.n]S]], at least one part.
bool duration(std::string_view s) {
  if (s.size() < 2 || s[0] != 'P') return false;
  bool in_time = false, any = false;
  for (std::size_t at = 1; at < s.size();) {
    if (s[at] == 'T') {
      if (in_time || at + 1 == s.size()) return false;
      in_time = true;
      ++at;
      continue;
    }
    std::size_t start = at;
    while (at < s.size() && (std::isdigit(static_cast<unsigned char>(s[at])) || s[at] == '.')) ++at;
    if (at == start || at == s.size()) return false;
    std::string_view units = in_time ? "HMS" : "YMWD";
    if (units.find(s[at]) == std::string_view::npos) return false;
    any = true;
    ++at;
  }
  return any;
}

bool decimal(std::string_view s) {
  std::size_t at = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  std::size_t dot = s.find('.', at);
  std::string_view whole = s.substr(at, dot - at), fraction = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  auto all_digits = [](std::string_view d) { return std::all_of(d.begin(), d.end(), ::isdigit); };
  return !(whole.empty() && fraction.empty()) && all_digits(whole) && all_digits(fraction) &&
         (dot == std::string_view::npos || !fraction.empty());
}

}  // namespace

bool in_format(format f, std::string_view s, int uuid_version) {
  switch (f) {
    case format::uuid: return uuid(s, uuid_version);
    case format::date: return date(s);
    case format::date_time: return date_time(s);
    case format::time: return time(s);
    case format::email: return email(s);
    case format::ipv4: return ipv4(s);
    case format::ipv6: return ipv6(s);
    case format::uri: return uri(s);
    case format::hostname: return hostname(s);
    case format::duration: return duration(s);
    case format::decimal: return decimal(s);
    case format::none:
    case format::binary: return true;
  }
  return true;
}

}  // namespace snasio::validation
