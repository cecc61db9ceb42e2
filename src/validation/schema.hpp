#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

namespace re2 {
class RE2;
}

namespace snasio::validation {

/// The JSON types a schema may allow, as bits of node::types (0: any).
enum type_bit : unsigned { null = 1, boolean = 2, integer = 4, number = 8, string = 16, array = 32, object = 64 };

/// The formats checked on strings ("format"): the JSON Schema ones a web
/// API meets, and those a typed handler's annotations ask for.
enum class format { none, uuid, date, date_time, time, email, ipv4, ipv6, uri, hostname, duration, decimal, binary };

/// A number of a schema, kept both as a double and as the JSON text it was
/// written as (error messages quote it as written: 0, not 0.0).
struct bound {
  double value = 0;
  std::string text;
};

/// Which of 64 bits stands for a member's name, from its length and its
/// first and last bytes: two names with different bits differ.
inline unsigned name_bit(std::string_view name) {
  return name.empty() ? 0
                      : (unsigned(name.size()) * 7 + static_cast<unsigned char>(name.front()) * 3 +
                         static_cast<unsigned char>(name.back())) % 64;
}

/// One compiled subschema: a flat record of what each keyword asks.
struct node {
  unsigned types = 0;
  // strings
  std::optional<std::size_t> min_length, max_length;
  std::shared_ptr<re2::RE2> pattern;
  std::string pattern_text;
  validation::format format = validation::format::none;
  std::string format_name;
  int uuid_version = 0;  ///< "uuidVersion": 0 for any
  // numbers
  std::optional<bound> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;
  // arrays
  std::optional<std::size_t> min_items, max_items;
  bool unique_items = false;
  const node* items = nullptr;
  std::string separator;  ///< a text value split into the array's items ("separator", query parameters)
  // objects: properties sorted by name, so errors come in a stable order
  std::vector<std::pair<std::string, const node*>> properties;
  std::vector<std::string> required;
  std::vector<std::string> required_undeclared;  ///< the required names no property declares
  std::uint64_t required_bits = 0;  ///< the required properties, a bit per index (of the first 64)
  /// Per name_bit, the index of the one property whose name has it:
  /// no_property when none has, a search of `properties` when several have.
  std::vector<std::uint8_t> property_at_bit;
  static constexpr std::uint8_t no_property = 0xFF, several_properties = 0xFE;
  bool additional_allowed = true;
  const node* additional = nullptr;  ///< a schema extra properties must meet
  std::optional<std::size_t> min_properties, max_properties;
  std::vector<std::pair<std::string, std::vector<std::string>>> dependencies;
  // values and combinations
  const rapidjson::Value* constant = nullptr;
  std::vector<const rapidjson::Value*> enumeration;
  std::vector<const node*> all_of, any_of, one_of;
  const node* negated = nullptr;
  std::string text;  ///< the subschema as compact JSON (messages quote it)
  /// Whether a string's, a number's or any value's own constraints (the
  /// keywords above that judge a value, not its type or its members) are
  /// set: most nodes of a typed body have a type alone, and skip them.
  bool judges_value = false;
};

/// A JSON Schema compiled once, at start-up: $ref to #/definitions/... or
/// #/$defs/... resolved, every pattern compiled (RE2: linear time).
class schema {
 public:
  /// Compiles `json`; throws std::invalid_argument naming the keyword at fault.
  explicit schema(const rapidjson::Value& json);
  schema(const schema&) = delete;
  schema& operator=(const schema&) = delete;

  const node& root() const noexcept { return *root_; }

 private:
  const node* compile(const rapidjson::Value& json, int depth);
  const node* resolve(const std::string& ref, int depth);

  rapidjson::Document copy_;  // the schema's own copy: constants and enums point into it
  std::deque<node> nodes_;
  std::vector<std::pair<std::string, const node*>> resolved_;
  const node* root_ = nullptr;
};

/// The compact JSON text of a value.
std::string json_text(const rapidjson::Value& v);

}  // namespace snasio::validation
