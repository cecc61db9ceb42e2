#pragma once

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
  std::vector<std::string> loc;  ///< e.g. "\"body\"", "\"items\"", "3"
  std::string msg;               ///< plain text
  std::string input;
  std::string ctx;
};

/// Checks values against compiled schemas, collecting every error (not
/// only the first), and converting text where the schema wants another
/// type: "42" for an integer becomes 42 in place, so what reaches the
/// handler is what was validated.
class checker {
 public:
  checker(dialect d, rapidjson::Document::AllocatorType& allocator, std::vector<error>& errors)
      : dialect_(d), allocator_(allocator), errors_(errors) {}

  /// Checks `v` against `n` at location `loc`. `from_text`: the value came
  /// from text (a query, a header, a form), so any string may be read as a
  /// number or a boolean; JSON bodies are read so only in pydantic's lax
  /// mode. `shown`: the input an error quotes, when not `v` itself (a
  /// parameter's own text).
  void check(const node& n, rapidjson::Value& v, std::vector<std::string> loc, bool from_text,
             const std::string* shown = nullptr);

  /// Records that a required value is missing at `loc`; `input` is the
  /// object it was missing from (JSON), or "null".
  void missing(std::vector<std::string> loc, std::string input = "null");

 private:
  bool check_type(const node& n, rapidjson::Value& v, bool lax);
  void check_string(const node& n, const rapidjson::Value& v);
  void check_number(const node& n, const rapidjson::Value& v);
  void check_array(const node& n, rapidjson::Value& v, bool from_text);
  void check_object(const node& n, rapidjson::Value& v, bool from_text);
  void check_values(const node& n, rapidjson::Value& v, bool from_text);
  bool passes(const node& n, rapidjson::Value& v, bool from_text);
  void add(std::string type, std::string msg, std::string ctx = {}, bool with_input = true);
  void add_at(std::vector<std::string> loc, std::string type, std::string msg, std::string input, std::string ctx);

  dialect dialect_;
  rapidjson::Document::AllocatorType& allocator_;
  std::vector<error>& errors_;
  std::string input() const;  // the JSON text of the value at loc_, or what stands for it

  std::vector<std::string> loc_;
  const rapidjson::Value* current_ = nullptr;  // the value at loc_
  const std::string* shown_ = nullptr;         // what an error quotes instead of it
};

/// A JSON string literal.
std::string quoted(std::string_view text);

}  // namespace snasio::validation
