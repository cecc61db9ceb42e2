#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "validation/schema.hpp"

namespace snasio::validation {

/// Which language a route's validation errors speak. The typed API's are
/// pydantic's (type, message and context, as FastAPI's users know them);
/// an explicit JSON Schema's constraint errors are a JSON Schema
/// validator's ("validation_error", with the keyword's values in ctx).
/// Either way a value missing is `missing` and text that does not parse as
/// its type is pydantic's `*_parsing`.
enum class dialect { pydantic, json_schema };

/// One validation error, each part already JSON text (empty: left out).
struct error {
  std::string type;
  std::string loc;  ///< the members of a JSON array: "\"body\",\"items\",3"
  std::string msg;               ///< plain text
  std::string input;
  std::string ctx;
};

/// Where a value is: a member's name or an item's index, and the place of
/// what holds it. Places live on the stack while the checks descend, and an
/// error's `loc` is written from them only when there is an error.
struct place {
  const place* outer = nullptr;
  std::string_view name;                     ///< a member, a source ("query") or a parameter
  std::size_t index = std::string_view::npos;  ///< an array's item, when not npos
};

/// The JSON texts of a place's steps from the root, comma-separated: "\"body\",\"items\",3".
std::string loc_of(const place* at);

/// Checks values against compiled schemas, collecting every error (not
/// only the first), and converting text where the schema wants another
/// type: "42" for an integer becomes 42 in place, so what reaches the
/// handler is what was validated.
class checker {
 public:
  checker(dialect d, rapidjson::Document::AllocatorType& allocator, std::vector<error>& errors)
      : dialect_(d), allocator_(allocator), errors_(errors) {}

  /// Checks `v` against `n` at `at`. `from_text`: the value came
  /// from text (a query, a header, a form), so any string may be read as a
  /// number or a boolean; JSON bodies are read so only in pydantic's lax
  /// mode. `shown`: the text an error quotes (as a JSON string), when not
  /// `v` itself (a parameter's own text).
  void check(const node& n, rapidjson::Value& v, const place& at, bool from_text,
             const std::string_view* shown = nullptr);

  /// Whether check() would find nothing to do for `v`: a scalar of a type
  /// `n` allows as it is, `n` judging nothing else. Most members and items
  /// of a typed body are such, and skip the call.
  static bool fits_as_is(const node& n, const rapidjson::Value& v) {
    const unsigned t = n.types;
    if (n.judges_value || v.IsObject() || v.IsArray()) return false;
    return t == 0 || (v.IsString() && (t & string)) || (v.IsNumber() && (t & number)) ||
           ((v.IsInt64() || v.IsUint64()) && (t & integer)) || (v.IsBool() && (t & boolean)) || (v.IsNull() && (t & null));
  }

  /// Records that a required value is missing at `at`; `input` is the
  /// object it was missing from (JSON), or "null".
  void missing(const place& at, std::string input = "null");

  /// How many values the checks have converted so far (text read as a
  /// number, an integral float as an integer, ...).
  std::size_t coercions() const noexcept { return coercions_; }

 private:
  bool check_type(const node& n, rapidjson::Value& v, bool lax);
  void check_string(const node& n, const rapidjson::Value& v);
  void check_number(const node& n, const rapidjson::Value& v);
  void check_array(const node& n, rapidjson::Value& v, bool from_text);
  void check_object(const node& n, rapidjson::Value& v, bool from_text);
  void check_values(const node& n, rapidjson::Value& v, bool from_text);
  bool passes(const node& n, rapidjson::Value& v, bool from_text);
  void add(std::string type, std::string msg, std::string ctx = {}, bool with_input = true);
  void add_at(const place& at, std::string type, std::string msg, std::string input, std::string ctx);

  dialect dialect_;
  rapidjson::Document::AllocatorType& allocator_;
  std::vector<error>& errors_;
  std::string input() const;  // the JSON text of the value here, or what stands for it

  const place* here_ = nullptr;                // where the value being checked is
  const rapidjson::Value* current_ = nullptr;  // the value there
  const std::string_view* shown_ = nullptr;       // what an error quotes instead of it (unquoted)
  std::size_t coercions_ = 0;
};

/// The index of property `name` in `n`'s (sorted) properties, or npos;
/// looked for from `next` on, where the next member likely is.
std::size_t property_index(const node& n, std::string_view name, std::size_t next);

/// The bytes of `w` (eight bytes of text, the first the lowest) that are
/// not plain in a JSON string: below 0x20, '"', '\\', or 0x80 and above,
/// each marked by its high bit. Each test sets a byte's high bit where it
/// holds; a borrow can only add a false mark above a true one, so whether
/// any is marked, and which is marked first, are exact.
constexpr std::uint64_t to_escape(std::uint64_t w) {
  constexpr std::uint64_t ones = 0x0101010101010101, highs = ones * 0x80;
  auto zero_byte = [](std::uint64_t x) { return (x - ones) & ~x; };
  return (((w - ones * 0x20) & ~w) | zero_byte(w ^ (ones * '"')) | zero_byte(w ^ (ones * '\\')) | w) & highs;
}

/// A JSON string literal, made or appended to `out`.
std::string quoted(std::string_view text);
void quote_into(std::string& out, std::string_view text);

}  // namespace snasio::validation
