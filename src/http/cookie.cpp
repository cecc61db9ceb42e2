#include "http/cookie.hpp"

#include "http/header.hpp"

namespace snasio::http {

namespace {

std::string unquote(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  v = v.substr(1, v.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\\' || i + 1 == v.size()) {
      out += v[i];
    } else if (i + 3 < v.size() && v[i + 1] >= '0' && v[i + 1] <= '3' && v[i + 2] >= '0' && v[i + 2] <= '7' &&
               v[i + 3] >= '0' && v[i + 3] <= '7') {
      out += char((v[i + 1] - '0') * 64 + (v[i + 2] - '0') * 8 + (v[i + 3] - '0'));
      i += 3;
    } else {
      out += v[++i];
    }
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> cookie_pairs(std::string_view header) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!header.empty()) {
    std::size_t end = header.find(';');
    std::string_view pair = trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || trim(pair.substr(0, eq)).empty()) continue;
    out.emplace_back(trim(pair.substr(0, eq)), unquote(trim(pair.substr(eq + 1))));
  }
  return out;
}

}  // namespace snasio::http
