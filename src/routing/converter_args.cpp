#include "routing/converter_args.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "routing/decimal_integer.hpp"

namespace snasio::routing {
namespace {

constexpr std::string_view blanks = " \t";

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(blanks);
  return text.substr(first, last - first + 1);
}

bool is_integer_literal(std::string_view text) {
  if (text.starts_with('-') || text.starts_with('+')) text.remove_prefix(1);
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

/// Reads one value the way werkzeug's `_pythonize` would: None, a bool, an int or a float.
/// Quoted strings are refused: none of the supported converters takes one.
converter_arg parse_value(std::string_view text) {
  converter_arg arg;
  arg.text = std::string(text);
  if (text == "None") return arg;
  if (text == "True" || text == "False") {
    arg.type = converter_arg::kind::boolean;
    arg.flag = text == "True";
    return arg;
  }
  if (is_integer_literal(text)) {
    arg.type = converter_arg::kind::integer;
    arg.integer = canonical_integer(text.starts_with('+') ? text.substr(1) : text);
  } else {
    arg.type = converter_arg::kind::floating;
  }
  auto number_text = text.starts_with('+') ? text.substr(1) : text;
  auto [end, ec] = std::from_chars(number_text.data(), number_text.data() + number_text.size(), arg.number);
  // A huge integer literal does not fit a double, and needs not to: `integer` holds it.
  bool whole = end == number_text.data() + number_text.size();
  bool finite = ec == std::errc() && std::isfinite(arg.number);
  if (!whole || (!finite && arg.type == converter_arg::kind::floating))
    throw std::invalid_argument("bad converter argument '" + arg.text + "'");
  if (ec == std::errc::result_out_of_range)
    arg.number = arg.integer.starts_with('-') ? -HUGE_VAL : HUGE_VAL;
  return arg;
}

converter_arg parse_item(std::string_view item) {
  std::string name;
  if (auto equals = item.find('='); equals != std::string_view::npos) {
    auto key = trim(item.substr(0, equals));
    if (!is_identifier(key)) throw std::invalid_argument("bad converter argument name '" + std::string(key) + "'");
    name = std::string(key);
    item = trim(item.substr(equals + 1));
  }
  if (item.empty()) throw std::invalid_argument("empty converter argument");
  auto arg = parse_value(item);
  arg.name = std::move(name);
  return arg;
}

}  // namespace

bool is_identifier(std::string_view text) {
  auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  return !text.empty() && !(text[0] >= '0' && text[0] <= '9') && std::all_of(text.begin(), text.end(), word_char);
}


std::vector<converter_arg> parse_converter_args(std::string_view args) {
  std::vector<converter_arg> out;
  if (trim(args).empty()) return out;
  // Items hold no commas (no strings are accepted), so a plain split is exact.
  for (std::size_t start = 0;;) {
    auto comma = args.find(',', start);
    auto item = trim(args.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    out.push_back(parse_item(item));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace snasio::routing
