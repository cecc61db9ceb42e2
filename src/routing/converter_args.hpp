#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace snasio::routing {

/// One literal in a converter's argument list, e.g. `signed=True` or `4`.
struct converter_arg {
  enum class kind { none, boolean, integer, floating };
  std::string name;      ///< empty for a positional argument
  std::string text;      ///< as written, for error messages
  kind type = kind::none;
  bool flag = false;     ///< for boolean
  std::string integer;   ///< for integer: canonical decimal text
  double number = 0;     ///< for integer and floating: the value
};

/// True when `text` is an ASCII identifier (a placeholder or argument name).
bool is_identifier(std::string_view text);

/// Parses the text between a converter's parentheses ("2, signed=True").
/// Throws std::invalid_argument naming the offending item.
std::vector<converter_arg> parse_converter_args(std::string_view args);

}  // namespace snasio::routing
