#pragma once

#include <cstddef>
#include <string_view>

#include <rapidjson/document.h>

namespace snasio::validation {

/// What the walk over a parsed JSON body found: how deep it nests, whether
/// a number overflowed to infinity (JSON cannot express it), and whether
/// twin members (one name, twice in an object) were merged.
struct shape {
  std::size_t depth = 0;
  bool finite = true, merged = false;
};

/// How deeply arrays and objects nest in JSON text, counting brackets
/// outside strings: a bound on what parsing it would nest, found before.
std::size_t bracket_depth(std::string_view json);

/// Walks `v` (iteratively: the DOM was parsed without recursion) and keeps,
/// of members that share a name, the last value where the first stood:
/// what Python's json module makes of them, and so what the handler gets.
shape walk(rapidjson::Value& v, rapidjson::Document::AllocatorType& allocator);

}  // namespace snasio::validation
