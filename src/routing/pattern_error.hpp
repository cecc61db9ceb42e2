#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace snasio::routing {

/// A rule that cannot be compiled; what() names the pattern and the reason.
struct pattern_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// A rule that repeats an earlier one for a method; names the earlier one's target.
struct rule_clash : pattern_error {
  rule_clash(const std::string& what, std::size_t earlier) : pattern_error(what), earlier_target(earlier) {}
  std::size_t earlier_target;  ///< the target of the rule registered first
};

}  // namespace snasio::routing
