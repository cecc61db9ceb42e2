#include "routing/path_pattern.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "http/utf8.hpp"
#include "routing/pattern_error.hpp"

namespace snasio::routing {
namespace {

/// The pieces of a placeholder's text between '<' and '>'.
struct placeholder {
  std::string_view converter_name;  ///< empty for `<name>`
  std::string_view args;
  std::string_view name;
};

/// Splits "conv(args):name", "conv:name" or "name"; nullopt when malformed.
std::optional<placeholder> split_placeholder(std::string_view body) {
  placeholder out;
  out.name = body;
  auto colon = body.find(':');
  auto paren = body.find('(');
  if (paren < colon) {
    // The arguments run to the first ')', which the ':' must follow at once.
    auto close = body.find(')', paren);
    if (close == std::string_view::npos || body.substr(close + 1, 1) != ":") return std::nullopt;
    out.converter_name = body.substr(0, paren);
    out.args = body.substr(paren + 1, close - paren - 1);
    colon = close + 1;
  } else if (colon != std::string_view::npos) {
    out.converter_name = body.substr(0, colon);
  }
  if (colon != std::string_view::npos) {
    if (!is_identifier(out.converter_name)) return std::nullopt;
    out.name = body.substr(colon + 1);
  }
  if (!is_identifier(out.name)) return std::nullopt;
  return out;
}

/// Splits "name" or "name:type" of a `{...}` placeholder. Its type is a
/// typed parameter's (checked, a 422 if wrong, by snasio._typed), not the
/// router's: the placeholder matches any one segment, or with "path" any rest.
std::optional<placeholder> split_brace(std::string_view body) {
  auto colon = body.find(':');
  placeholder out;
  out.name = body.substr(0, colon);
  std::string_view type = colon == std::string_view::npos ? std::string_view() : body.substr(colon + 1);
  if (type == "path") out.converter_name = type;
  if (!is_identifier(out.name) || (colon != std::string_view::npos && !is_identifier(type))) return std::nullopt;
  return out;
}

/// Walks a pattern once, cutting it into parts at each '/' as werkzeug's
/// `_parse_rule` does, except inside a final part (after a path converter).
class pattern_compiler {
 public:
  explicit pattern_compiler(std::string_view pattern) : pattern_(pattern) {}

  path_pattern compile() {
    if (!pattern_.starts_with('/')) fail("it does not start with '/'");
    if (!http::is_valid_utf8(pattern_)) fail("it is not valid UTF-8");
    for (std::size_t pos = 1; pos < pattern_.size();) pos = step(pos);
    finish_part();
    return std::move(out_);
  }

 private:
  /// Consumes one token at `pos` and returns where the next starts.
  std::size_t step(std::size_t pos) {
    char c = pattern_[pos];
    if (c == '/') {
      if (current_.final)
        append_literal("/");
      else
        finish_part();
      return pos + 1;
    }
    if (c == '<' || c == '{') return add_placeholder(pos);
    if (c == '>' || c == '}') fail(std::string("unbalanced '") + c + "'");
    auto end = std::min(pattern_.find_first_of("/<>{}", pos), pattern_.size());
    auto run = pattern_.substr(pos, end - pos);
    append_literal(run);
    current_.weight.static_lengths.push_back(http::count_code_points(run));
    return end;
  }

  /// `<conv:name>` (Flask), or `{name}` and `{name:conv}` (FastAPI, Spikard).
  std::size_t add_placeholder(std::size_t open) {
    const bool brace = pattern_[open] == '{';
    const char closing = brace ? '}' : '>';
    auto close = pattern_.find(closing, open);
    auto nested = pattern_.find(pattern_[open], open + 1);
    if (close == std::string_view::npos || nested < close) fail(std::string("unbalanced '") + pattern_[open] + "'");
    auto body = pattern_.substr(open + 1, close - open - 1);
    auto split = brace ? split_brace(body) : split_placeholder(body);
    if (!split) fail("malformed placeholder '" + std::string(pattern_.substr(open, close - open + 1)) + "'");
    std::string name(split->name);
    auto same_name = [&](const parameter& p) { return p.name == name; };
    if (std::any_of(out_.params.begin(), out_.params.end(), same_name)) fail("duplicate parameter name '" + name + "'");
    piece placeholder_piece{{}, true, make_converter(*split)};
    if (!placeholder_piece.conv.isolating()) current_.final = true;
    current_.weight.converter_weights.push_back(placeholder_piece.conv.weight());
    out_.params.push_back({name, placeholder_piece.conv});
    current_.pieces.push_back(std::move(placeholder_piece));
    return close + 1;
  }

  converter make_converter(const placeholder& split) {
    try {
      return converter::make(split.converter_name, split.args);
    } catch (const std::invalid_argument& e) {
      fail(e.what());
    }
  }

  void append_literal(std::string_view text) {
    if (!current_.pieces.empty() && !current_.pieces.back().is_converter)
      current_.pieces.back().literal += text;
    else
      current_.pieces.push_back({std::string(text), false, {}});
  }

  void finish_part() {
    out_.parts.push_back(std::move(current_));
    current_ = part{};
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw pattern_error("bad route pattern '" + std::string(pattern_) + "': " + reason);
  }

  std::string_view pattern_;
  path_pattern out_;
  part current_;
};

}  // namespace

path_pattern compile_pattern(std::string_view pattern) { return pattern_compiler(pattern).compile(); }

}  // namespace snasio::routing
