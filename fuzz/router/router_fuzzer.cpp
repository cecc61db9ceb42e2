// Fuzzes the router with rules and requests taken from the input:
//
//   [METHOD,METHOD ]PATTERN   one rule per line, up to the first empty line
//   [METHOD ]PATH[?QUERY]     one request per line after it (percent-encoded)
//
// Nothing may crash or hang, and every match must hold up: a found rule's
// pattern, filled in with the returned parameters, must spell the path again
// (allowing for the canonical forms of int and uuid), and Allow lists must be
// well formed. A violation aborts, which libFuzzer reports with the input.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/url.hpp"
#include "routing/router.hpp"
#include "http/utf8.hpp"

namespace {

using snasio::routing::match_result;
using snasio::routing::path_param;

struct token {
  bool placeholder = false;
  std::string text;       ///< static text, or the converter name ("" for the default)
  std::string name;       ///< the placeholder's name
};

/// Cuts an accepted pattern into static text and placeholders, independently of the router.
std::vector<token> tokenize(std::string_view pattern) {
  std::vector<token> out;
  while (!pattern.empty()) {
    auto open = pattern.find('<');
    if (open != 0) {
      out.push_back({false, std::string(pattern.substr(0, open)), {}});
      pattern.remove_prefix(open == std::string_view::npos ? pattern.size() : open);
      continue;
    }
    auto close = pattern.find('>');
    auto body = pattern.substr(1, close - 1);
    auto colon = body.rfind(':');
    token t{true, {}, std::string(body)};
    if (colon != std::string_view::npos) {
      t.text = std::string(body.substr(0, std::min(colon, body.find('('))));
      t.name = std::string(body.substr(colon + 1));
    }
    out.push_back(std::move(t));
    pattern.remove_prefix(close + 1);
  }
  return out;
}

path_param::kind kind_of(const std::string& converter) {
  if (converter == "int") return path_param::kind::integer;
  if (converter == "float") return path_param::kind::floating;
  if (converter == "path") return path_param::kind::path;
  if (converter == "uuid") return path_param::kind::uuid;
  return path_param::kind::string;
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

/// The texts a parameter may have been matched from that start `rest`:
/// the text itself, or for int any sign and leading zeros around the digits.
std::vector<std::size_t> spellings(const path_param& p, std::string_view rest) {
  std::vector<std::size_t> lengths;
  if (p.type == path_param::kind::uuid) {
    if (same_ignoring_case(rest.substr(0, p.text.size()), p.text)) lengths.push_back(p.text.size());
    return lengths;
  }
  if (p.type != path_param::kind::integer) {
    if (rest.starts_with(p.text)) lengths.push_back(p.text.size());
    return lengths;
  }
  bool negative = p.text.starts_with('-');
  std::string_view digits = std::string_view(p.text).substr(negative ? 1 : 0);
  std::vector<std::size_t> starts;  // where the digits, after any sign, may begin
  if (!negative) starts.push_back(0);
  if ((negative || p.text == "0") && rest.starts_with('-')) starts.push_back(1);
  for (auto at : starts) {
    for (;; ++at) {  // then any number of leading zeros
      if (rest.substr(at).starts_with(digits)) lengths.push_back(at + digits.size());
      if (at >= rest.size() || rest[at] != '0') break;
    }
  }
  return lengths;
}

/// True when `path` is `tokens` with each placeholder spelled as its parameter.
bool spells(const std::vector<token>& tokens, std::size_t i, const std::vector<path_param>& params,
            std::size_t param, std::string_view path) {
  if (i == tokens.size()) return path.empty() && param == params.size();
  const token& t = tokens[i];
  if (!t.placeholder) return path.starts_with(t.text) && spells(tokens, i + 1, params, param, path.substr(t.text.size()));
  if (param >= params.size()) return false;
  const path_param& p = params[param];
  if (p.name != t.name || p.type != kind_of(t.text)) return false;
  if (p.type != path_param::kind::path && p.text.find('/') != std::string::npos) return false;
  for (auto length : spellings(p, path))
    if (length > 0 && spells(tokens, i + 1, params, param + 1, path.substr(length))) return true;
  return false;
}

void check_allow(const std::string& allow) {
  if (allow.empty() || allow.find("OPTIONS") == std::string::npos) std::abort();
  std::string previous;
  for (std::size_t start = 0; start <= allow.size();) {
    auto end = std::min(allow.find(", ", start), allow.size());
    std::string method = allow.substr(start, end - start);
    if (method.empty() || method <= previous) std::abort();  // sorted, no repeats
    previous = method;
    start = end + 2;
  }
}

std::vector<std::string_view> split_lines(std::string_view input) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= input.size();) {
    auto end = std::min(input.find('\n', start), input.size());
    lines.push_back(input.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

/// Splits "GET,POST /x" into its methods and "/x"; no methods when nothing precedes '/'.
std::vector<std::string> take_methods(std::string_view& line) {
  std::vector<std::string> methods;
  auto space = line.find(' ');
  if (space == std::string_view::npos || line.starts_with('/')) return methods;
  auto list = line.substr(0, space);
  line.remove_prefix(space + 1);
  for (std::size_t start = 0; start <= list.size();) {
    auto end = std::min(list.find(',', start), list.size());
    if (end > start) methods.emplace_back(list.substr(start, end - start));
    start = end + 1;
  }
  return methods;
}

void check_request(const snasio::routing::router& router, const std::vector<std::string>& patterns,
                   std::string_view line) {
  auto methods = take_methods(line);
  std::string method = methods.empty() ? "GET" : methods.front();
  // As the server does: split off the query, percent-decode the path.
  auto question = line.find('?');
  if (question != std::string_view::npos) snasio::http::parse_query(line.substr(question + 1));
  auto decoded = snasio::http::percent_decode_path(line.substr(0, question));
  if (!decoded) return;
  auto result = router.match(method, *decoded);
  if (router.match(method, *decoded).what != result.what) std::abort();  // deterministic
  switch (result.what) {
    case match_result::outcome::found: {
      auto path = snasio::http::replace_invalid_utf8(*decoded);
      if (!spells(tokenize(patterns.at(result.target)), 0, result.params, 0, path)) std::abort();
      break;
    }
    case match_result::outcome::method_not_allowed:
    case match_result::outcome::options: check_allow(result.allow); break;
    default: break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto lines = split_lines(std::string_view(reinterpret_cast<const char*>(data), size));
  snasio::routing::router router;
  std::vector<std::string> patterns;  // by target id
  std::size_t line = 0;
  for (; line < lines.size() && !lines[line].empty(); ++line) {
    auto text = lines[line];
    auto methods = take_methods(text);
    try {
      router.add(methods, text, patterns.size());
      patterns.emplace_back(text);
    } catch (const snasio::routing::pattern_error&) {
      // Refused patterns are expected; they must leave the router as it was.
    }
  }
  if (router.routes().size() != patterns.size()) std::abort();
  for (++line; line < lines.size(); ++line) check_request(router, patterns, lines[line]);
  return 0;
}
