#pragma once

#include <string>

namespace snasio::routing {

/// One converted path parameter.
struct path_param {
  enum class kind { string, integer, floating, path, uuid };
  std::string name;
  kind type = kind::string;
  std::string text;    ///< the matched text; for integer: canonical decimal digits with optional '-', no leading zeros ("007" -> "7", "-0" -> "0"); for uuid: lower-case canonical form
  double number = 0;   ///< for floating: the value
};

}  // namespace snasio::routing
