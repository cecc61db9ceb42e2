#include "routing/converter.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "http/utf8.hpp"
#include "routing/decimal_integer.hpp"

namespace snasio::routing {
namespace {

// werkzeug's BaseConverter.weight and its overrides: a lower weight is tried first.
constexpr int number_weight = 50;
constexpr int default_weight = 100;
constexpr int path_weight = 200;

// The canonical UUID text: 8-4-4-4-12 hex digits.
constexpr std::size_t uuid_length = 36;
constexpr std::array<std::size_t, 4> uuid_dashes = {8, 13, 18, 23};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::size_t digit_run(std::string_view text, std::size_t pos) {
  std::size_t end = pos;
  while (end < text.size() && is_digit(text[end])) ++end;
  return end - pos;
}

/// Assigns positional then keyword arguments to the converter's parameter names,
/// as a Python call would; the same mistakes Python refuses are refused here.
std::vector<std::optional<converter_arg>> bind(const std::vector<std::string_view>& params,
                                               std::vector<converter_arg> args) {
  std::vector<std::optional<converter_arg>> slots(params.size());
  std::size_t positional = 0;
  for (auto& arg : args) {
    std::size_t slot = positional;
    if (!arg.name.empty()) {
      auto found = std::find(params.begin(), params.end(), arg.name);
      if (found == params.end()) throw std::invalid_argument("unknown converter argument '" + arg.name + "'");
      slot = static_cast<std::size_t>(found - params.begin());
    } else if (positional++ >= params.size()) {
      throw std::invalid_argument("too many converter arguments");
    }
    if (slots[slot]) throw std::invalid_argument("converter argument '" + std::string(params[slot]) + "' given twice");
    slots[slot] = std::move(arg);
  }
  return slots;
}

/// A count (a length or a number of digits): None or a non-negative integer that fits.
std::optional<std::size_t> count_arg(const std::optional<converter_arg>& arg, std::string_view what) {
  if (!arg || arg->type == converter_arg::kind::none) return std::nullopt;
  std::size_t value = 0;
  auto& digits = arg->integer;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (arg->type != converter_arg::kind::integer || ec != std::errc() || end != digits.data() + digits.size())
    throw std::invalid_argument(std::string(what) + " must be a non-negative integer, not '" + arg->text + "'");
  return value;
}

bool flag_arg(const std::optional<converter_arg>& arg, std::string_view what) {
  if (!arg) return false;
  if (arg->type != converter_arg::kind::boolean)
    throw std::invalid_argument(std::string(what) + " must be True or False, not '" + arg->text + "'");
  return arg->flag;
}

}  // namespace

converter converter::make(std::string_view name, std::string_view args) {
  converter made;
  auto parsed = parse_converter_args(args);
  if (name.empty() || name == "default" || name == "string") {
    made.bind_string(bind({"minlength", "maxlength", "length"}, std::move(parsed)));
  } else if (name == "int" || name == "float") {
    made.type_ = name == "int" ? path_param::kind::integer : path_param::kind::floating;
    auto params = name == "int" ? std::vector<std::string_view>{"fixed_digits", "min", "max", "signed"}
                                : std::vector<std::string_view>{"min", "max", "signed"};
    auto slots = bind(params, std::move(parsed));
    if (name == "float") slots.insert(slots.begin(), std::nullopt);  // no fixed_digits
    made.bind_number(slots);
  } else if (name == "path" || name == "uuid") {
    made.type_ = name == "path" ? path_param::kind::path : path_param::kind::uuid;
    bind({}, std::move(parsed));
  } else {
    throw std::invalid_argument("unknown converter '" + std::string(name) + "'");
  }
  return made;
}

// werkzeug builds `[^/]{length}` or `[^/]{minlength,maxlength}`; a minimum of 0
// would let a placeholder match an empty segment, which its docs forbid.
void converter::bind_string(const arg_slots& slots) {
  auto minimum = count_arg(slots[0], "minlength");
  max_length_ = count_arg(slots[1], "maxlength");
  auto length = count_arg(slots[2], "length");
  min_length_ = minimum.value_or(1);
  if (length) {
    exact_length_ = true;
    min_length_ = *length;
    max_length_ = *length;
  }
  if (min_length_ < 1) throw std::invalid_argument("string length must be at least 1");
  if (max_length_ && *max_length_ < min_length_) throw std::invalid_argument("maxlength is below minlength");
}

void converter::bind_number(const arg_slots& slots) {
  fixed_digits_ = count_arg(slots[0], "fixed_digits").value_or(0);
  signed_ = flag_arg(slots[3], "signed");
  for (std::size_t i = 1; i <= 2; ++i) {
    auto& arg = slots[i];
    if (!arg || arg->type == converter_arg::kind::none) continue;
    bool integer = arg->type == converter_arg::kind::integer;
    if (type_ == path_param::kind::integer) {
      if (!integer) throw std::invalid_argument("int bounds must be integers, not '" + arg->text + "'");
      (i == 1 ? integer_min_ : integer_max_) = arg->integer;
    } else {
      if (!integer && arg->type != converter_arg::kind::floating)
        throw std::invalid_argument("float bounds must be numbers, not '" + arg->text + "'");
      (i == 1 ? floating_min_ : floating_max_) = arg->number;
    }
  }
}

int converter::weight() const {
  switch (type_) {
    case path_param::kind::integer:
    case path_param::kind::floating: return number_weight;
    case path_param::kind::path: return path_weight;
    default: return default_weight;
  }
}

// werkzeug shares a state-machine transition between parts whose regexes are the
// same text; these keys are that text in short, so sharing follows the same rule.
std::string converter::match_key() const {
  switch (type_) {
    case path_param::kind::string:
      if (exact_length_) return "string{" + std::to_string(min_length_) + "}";
      return "string{" + std::to_string(min_length_) + "," + (max_length_ ? std::to_string(*max_length_) : "") + "}";
    case path_param::kind::integer: return signed_ ? "int-signed" : "int";
    case path_param::kind::floating: return signed_ ? "float-signed" : "float";
    case path_param::kind::path: return "path";
    case path_param::kind::uuid: return "uuid";
  }
  return {};
}

std::optional<match_ends> converter::ends(std::string_view text, std::size_t pos) const {
  switch (type_) {
    case path_param::kind::string: return string_ends(text, pos);
    case path_param::kind::integer:
    case path_param::kind::floating: return number_ends(text, pos);
    case path_param::kind::uuid: return uuid_ends(text, pos);
    case path_param::kind::path: return path_ends(text, pos);
  }
  return std::nullopt;
}

// `[^/]{min,max}` counts code points, not bytes: the path is well-formed UTF-8 here.
std::optional<match_ends> converter::string_ends(std::string_view text, std::size_t pos) const {
  std::size_t count = 0;
  std::size_t end = pos;
  std::size_t shortest = pos;
  while (end < text.size() && text[end] != '/' && (!max_length_ || count < *max_length_)) {
    end = http::next_code_point(text, end);
    if (++count == min_length_) shortest = end;
  }
  if (count < min_length_) return std::nullopt;
  return match_ends{shortest, end, true};
}

// `\d+` for int and `\d+\.\d+` for float, each with `-?` in front when signed.
// Only the last digit run can give back digits: the one before '.' must reach it.
std::optional<match_ends> converter::number_ends(std::string_view text, std::size_t pos) const {
  if (signed_ && pos < text.size() && text[pos] == '-') ++pos;
  std::size_t digits = digit_run(text, pos);
  if (digits == 0) return std::nullopt;
  if (type_ == path_param::kind::floating) {
    pos += digits;
    if (pos >= text.size() || text[pos] != '.') return std::nullopt;
    digits = digit_run(text, ++pos);
    if (digits == 0) return std::nullopt;
  }
  return match_ends{pos + 1, pos + digits, true};
}

std::optional<match_ends> converter::uuid_ends(std::string_view text, std::size_t pos) const {
  if (text.size() - pos < uuid_length) return std::nullopt;
  std::size_t next_dash = 0;
  for (std::size_t i = 0; i < uuid_length; ++i) {
    bool dash = next_dash < uuid_dashes.size() && i == uuid_dashes[next_dash];
    if (dash) ++next_dash;
    if (dash ? text[pos + i] != '-' : !is_hex(text[pos + i])) return std::nullopt;
  }
  return match_ends{pos + uuid_length, pos + uuid_length, true};
}

// `[^/].*?`: one code point that is not '/', then as little as will do (lazy).
std::optional<match_ends> converter::path_ends(std::string_view text, std::size_t pos) const {
  if (pos >= text.size() || text[pos] == '/') return std::nullopt;
  return match_ends{http::next_code_point(text, pos), text.size(), false};
}

namespace {

// Python's float() rounds correctly and gives inf or 0.0 out of range; from_chars
// rounds correctly too but reports out-of-range without a value, so supply it.
double parse_floating(std::string_view text) {
  bool negative = text.starts_with('-');
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    auto integer_part = text.substr(negative ? 1 : 0, text.find('.'));
    bool overflow = integer_part.find_first_not_of("-0") != std::string_view::npos;
    value = overflow ? HUGE_VAL : 0.0;
    if (negative) value = -value;
  }
  return value;
}

std::string lower_case(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

bool converter::integer_in_bounds(const std::string& canonical) const {
  if (integer_min_ && compare_integers(canonical, *integer_min_) < 0) return false;
  if (integer_max_ && compare_integers(canonical, *integer_max_) > 0) return false;
  return true;
}

bool converter::floating_in_bounds(double value) const {
  if (floating_min_ && value < *floating_min_) return false;
  if (floating_max_ && value > *floating_max_) return false;
  return true;
}

// werkzeug checks these after the rule is chosen (to_python raising
// ValidationError), so a refused value makes the whole match fail, not the
// next rule win: the router calls this only once a rule has been chosen.
std::optional<path_param> converter::convert(const std::string& name, std::string_view text) const {
  std::optional<path_param> param(std::in_place, path_param{name, type_, {}, 0});
  if (type_ != path_param::kind::integer) param->text = text;
  switch (type_) {
    case path_param::kind::integer:
      if (fixed_digits_ != 0 && text.size() != fixed_digits_) return std::nullopt;
      param->text = canonical_integer(text);
      if (!integer_in_bounds(param->text)) return std::nullopt;
      break;
    case path_param::kind::floating:
      param->number = parse_floating(text);
      if (!floating_in_bounds(param->number)) return std::nullopt;
      break;
    case path_param::kind::uuid: param->text = lower_case(text); break;
    default: break;
  }
  return param;
}

}  // namespace snasio::routing
