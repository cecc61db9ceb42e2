#include "validation/check.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include <re2/re2.h>

#include "http/utf8.hpp"
#include "validation/formats.hpp"
#include "validation/text.hpp"

namespace snasio::validation {

namespace {

bool integral(const rapidjson::Value& v) {
  return v.IsInt64() || v.IsUint64() || (v.IsDouble() && std::trunc(v.GetDouble()) == v.GetDouble() &&
                                         std::fabs(v.GetDouble()) < 9.2e18);
}

const char* type_name(unsigned types) {
  for (auto [bit, name] : {std::pair{string, "string"}, {integer, "integer"}, {number, "number"}, {boolean, "boolean"},
                           {array, "array"}, {object, "object"}, {null, "null"}})
    if (types & bit) return (bit == integer && (types & number)) ? "number" : name;
  return "null";
}

struct format_words {
  format f;
  const char* type;   // pydantic's error type
  const char* msg;    // pydantic's message
  const char* name;   // in "Invalid ... format"
};
constexpr format_words format_errors[] = {
    {format::uuid, "uuid_parsing", "Input should be a valid UUID", "UUID"},
    {format::date, "date_parsing", "Input should be a valid date", "date"},
    {format::date_time, "datetime_parsing", "Input should be a valid datetime", "date-time"},
    {format::time, "time_parsing", "Input should be a valid time", "time"},
    {format::duration, "time_delta_parsing", "Input should be a valid timedelta", "duration"},
    {format::decimal, "decimal_parsing", "Input should be a valid decimal", "decimal"},
    {format::ipv4, "ip_v4_address", "Input is not a valid IPv4 address", "IPv4"},
    {format::ipv6, "ip_v6_address", "Input is not a valid IPv6 address", "IPv6"},
    {format::uri, "url_parsing", "Input should be a valid URL", "URI"},
    {format::hostname, "value_error", "Input should be a valid hostname", "hostname"},
    {format::email, "string_pattern_mismatch", "", "email"},
};

}  // namespace

void quote_into(std::string& out, std::string_view text) {
  out += '"';
  for (std::size_t at = 0; at < text.size();) {
    // A run written as it is: printable ASCII but '"' and '\\', eight bytes
    // at a time while it lasts (error messages are mostly such runs).
    static constexpr auto as_is = [] {
      std::array<bool, 256> table{};
      for (int c = 0x20; c < 0x80; ++c) table[c] = c != '"' && c != '\\';
      return table;
    }();
    std::size_t plain = at;
    for (std::uint64_t w; plain + 8 <= text.size(); plain += 8) {
      std::memcpy(&w, text.data() + plain, 8);
      if (to_escape(w)) break;
    }
    while (plain < text.size() && as_is[static_cast<unsigned char>(text[plain])]) ++plain;
    out.append(text.substr(at, plain - at));
    if ((at = plain) == text.size()) break;
    unsigned char c = static_cast<unsigned char>(text[at]);
    if (c >= 0x80) {  // a UTF-8 sequence as it is; a byte that begins none as U+FFFD
      std::size_t n = http::utf8_sequence(text, at);
      out.append(n ? text.substr(at, n) : std::string_view("\xEF\xBF\xBD"));
      at += n ? n : 1;
    } else if (c < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out.append("\\u00").append(1, hex[c >> 4]).append(1, hex[c & 15]);
      ++at;
    } else {
      out.append(1, '\\').append(1, char(c));
      ++at;
    }
  }
  out += '"';
}

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  quote_into(out, text);
  return out;
}

void write_loc(std::string& loc, const place& at) {
  // Outermost first; as deep as the checks that made `at` went, no deeper.
  if (at.outer) write_loc(loc, *at.outer), loc += ',';
  char digits[24];
  if (at.index == std::string_view::npos) quote_into(loc, at.name);
  else loc.append(digits, std::to_chars(digits, digits + sizeof digits, at.index).ptr);
}

std::string loc_of(const place* at) {
  std::string loc;
  if (at) write_loc(loc, *at);
  return loc;
}

void checker::add_at(const place& at, std::string type, std::string msg, std::string input, std::string ctx) {
  errors_.push_back({std::move(type), loc_of(&at), std::move(msg), std::move(input), std::move(ctx)});
}

std::string checker::input() const {
  if (shown_) return quoted(*shown_);
  if (!current_) return "null";
  return current_->IsString() ? quoted({current_->GetString(), current_->GetStringLength()}) : json_text(*current_);
}

void checker::add(std::string type, std::string msg, std::string ctx, bool with_input) {
  add_at(*here_, std::move(type), std::move(msg), with_input ? input() : std::string(), std::move(ctx));
}

void checker::missing(const place& at, std::string input) {
  add_at(at, "missing", "Field required", std::move(input), {});
}

void checker::check(const node& n, rapidjson::Value& v, const place& at, bool from_text, const std::string_view* shown) {
  auto saved_here = std::exchange(here_, &at);
  auto saved_current = std::exchange(current_, &v);  // as converted, once converted: what the constraints judge
  auto saved_shown = std::exchange(shown_, shown);
  if (check_type(n, v, from_text || dialect_ == dialect::pydantic)) {
    if (v.IsArray()) check_array(n, v, from_text);
    else if (v.IsObject()) check_object(n, v, from_text);
    if (n.judges_value) {  // (a string or a number has no members, an array or an object no length or bound)
      if (v.IsString()) check_string(n, v);
      else if (v.IsNumber()) check_number(n, v);
      check_values(n, v, from_text);
    }
  }
  here_ = saved_here;
  current_ = saved_current;
  shown_ = saved_shown;
}

bool checker::check_type(const node& n, rapidjson::Value& v, bool lax) {
  const unsigned t = n.types;
  if (t == 0) return true;
  if ((v.IsNull() && (t & null)) || (v.IsBool() && (t & boolean)) || (v.IsString() && (t & string)) ||
      (v.IsArray() && (t & array)) || (v.IsObject() && (t & object)) || (v.IsNumber() && (t & number)) ||
      (v.IsNumber() && (t & integer) && (v.IsInt64() || v.IsUint64())))
    return true;
  if (lax && v.IsString()) {  // text read as the type wanted
    std::string_view s(v.GetString(), v.GetStringLength());
    std::int64_t i;
    double d;
    bool b;
    if ((t & integer) && !(t & number) && text_to_integer(s, i)) return ++coercions_, v.SetInt64(i), true;
    if ((t & number) && text_to_integer(s, i)) return ++coercions_, v.SetInt64(i), true;
    if ((t & number) && text_to_number(s, d)) return ++coercions_, v.SetDouble(d), true;
    if ((t & boolean) && text_to_boolean(s, b)) return ++coercions_, v.SetBool(b), true;
  }
  if (lax && (t & integer) && !(t & number) && v.IsDouble() && integral(v)) return ++coercions_, v.SetInt64(std::int64_t(v.GetDouble())), true;
  if (lax && (t & boolean) && (v.IsInt64() || v.IsUint64()) && (v.GetInt64() == 0 || v.GetInt64() == 1))
    return ++coercions_, v.SetBool(v.GetInt64() == 1), true;
  if (dialect_ == dialect::json_schema && !(lax && v.IsString())) {
    add("validation_error", json_text(v) + " is not of type \"" + type_name(t) + "\"", {}, true);
    return false;
  }
  const bool text = v.IsString();
  if (t & string) add("string_type", "Input should be a valid string");
  else if ((t & integer) && !(t & number) && text)
    add("int_parsing", "Input should be a valid integer, unable to parse string as an integer");
  else if ((t & integer) && !(t & number) && v.IsDouble())
    add("int_from_float", "Input should be a valid integer, got a number with a fractional part");
  else if ((t & integer) && !(t & number)) add("int_type", "Input should be a valid integer");
  else if ((t & number) && text) add("float_parsing", "Input should be a valid number, unable to parse string as a number");
  else if (t & number) add("float_type", "Input should be a valid number");
  else if ((t & boolean) && text) add("bool_parsing", "Input should be a valid boolean, unable to interpret input");
  else if (t & boolean) add("bool_type", "Input should be a valid boolean");
  else if (t & array) add("list_type", "Input should be a valid list");
  else if (t & object) add("dict_type", "Input should be a valid dictionary");
  else add("none_required", "Input should be None");
  return false;
}

void checker::check_string(const node& n, const rapidjson::Value& v) {
  std::string_view s(v.GetString(), v.GetStringLength());
  const bool pydantic = dialect_ == dialect::pydantic;
  auto value = [&] { return quoted(s); };  // for an error's context only
  if (n.format != format::none && !in_format(n.format, s, n.uuid_version)) {
    for (const auto& w : format_errors) {
      if (w.f != n.format) continue;
      if (!pydantic)
        return add("validation_error", std::string("Invalid ") + w.name + " format",
                   "{\"format\":" + quoted(n.format_name) + ",\"value\":" + value() + "}", false);
      if (n.format != format::email) return add(w.type, w.msg);
      return add("string_pattern_mismatch", "String should match pattern '" + std::string(email_pattern) + "'",
                 "{\"pattern\":" + quoted(email_pattern) + "}");
    }
  }
  std::size_t length = (n.min_length || n.max_length) ? code_points(s) : 0;
  if (n.min_length && length < *n.min_length) {
    std::string limit = std::to_string(*n.min_length);
    if (pydantic)
      return add("string_too_short", "String should have at least " + plural(*n.min_length, "character"),
                 "{\"min_length\":" + limit + "}");
    return add("validation_error", "String length must be at least " + limit,
               "{\"min_length\":" + limit + ",\"actual_length\":" + std::to_string(length) + "}", false);
  }
  if (n.max_length && length > *n.max_length) {
    std::string limit = std::to_string(*n.max_length);
    if (pydantic)
      return add("string_too_long", "String should have at most " + plural(*n.max_length, "character"),
                 "{\"max_length\":" + limit + "}");
    return add("validation_error", "String length must not exceed " + limit,
               "{\"max_length\":" + limit + ",\"actual_length\":" + std::to_string(length) + "}", false);
  }
  if (n.pattern && !RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *n.pattern)) {
    if (pydantic)
      return add("string_pattern_mismatch", "String should match pattern '" + n.pattern_text + "'",
                 "{\"pattern\":" + quoted(n.pattern_text) + "}");
    return add("validation_error", "String does not match pattern",
               "{\"pattern\":" + quoted(n.pattern_text) + ",\"value\":" + value() + "}", false);
  }
}

void checker::check_number(const node& n, const rapidjson::Value& v) {
  const double x = v.GetDouble();
  const bool pydantic = dialect_ == dialect::pydantic;
  struct rule {
    const std::optional<bound>& limit;
    bool (*fails)(double, double);
    const char* type;
    const char* words;     // pydantic's
    const char* ctx;       // pydantic's ctx key
    const char* schema;    // the JSON Schema dialect's words
    const char* keyword;   // ... and its ctx key
  };
  const rule rules[] = {
      {n.exclusive_minimum, [](double a, double b) { return a <= b; }, "greater_than", "greater than", "gt",
       "greater than", "exclusive_minimum"},
      {n.minimum, [](double a, double b) { return a < b; }, "greater_than_equal", "greater than or equal to", "ge",
       "at least", "minimum"},
      {n.exclusive_maximum, [](double a, double b) { return a >= b; }, "less_than", "less than", "lt", "less than",
       "exclusive_maximum"},
      {n.maximum, [](double a, double b) { return a > b; }, "less_than_equal", "less than or equal to", "le",
       "not exceed", "maximum"},
  };
  for (const auto& r : rules) {
    if (!r.limit || !r.fails(x, r.limit->value)) continue;
    if (pydantic)
      return add(r.type, std::string("Input should be ") + r.words + " " + r.limit->text,
                 "{\"" + std::string(r.ctx) + "\":" + r.limit->text + "}");
    return add("validation_error", std::string("Value must ") + (r.keyword == std::string("maximum") ? "" : "be ") +
                                       r.schema + " " + r.limit->text,
               "{\"" + std::string(r.keyword) + "\":" + r.limit->text + ",\"value\":" + json_text(v) + "}", false);
  }
  if (n.multiple_of) {
    double q = x / n.multiple_of->value;
    if (std::fabs(q - std::round(q)) > 1e-9 * std::max(1.0, std::fabs(q))) {
      if (pydantic)
        return add("multiple_of", "Input should be a multiple of " + n.multiple_of->text,
                   "{\"multiple_of\":" + n.multiple_of->text + "}");
      return add("validation_error", "Value must be a multiple of " + n.multiple_of->text,
                 "{\"multiple_of\":" + n.multiple_of->text + ",\"value\":" + json_text(v) + "}", false);
    }
  }
}

}  // namespace snasio::validation
