#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "routing/converter.hpp"
#include "routing/part.hpp"

namespace snasio::routing {

/// A named placeholder of a rule, in pattern order.
struct parameter {
  std::string name;
  converter conv;
};

/// A rule's pattern compiled into werkzeug's parts (the leading '/' is implied).
struct path_pattern {
  std::vector<part> parts;
  std::vector<parameter> params;
};

/// Compiles a pattern such as "/users/<int:id>/"; throws pattern_error naming it.
path_pattern compile_pattern(std::string_view pattern);

}  // namespace snasio::routing
