#pragma once

#include <cstddef>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "routing/path_pattern.hpp"

namespace snasio::routing {

/// One registered rule: its methods, its compiled pattern and what it routes to.
struct rule {
  std::vector<std::string> methods;  ///< as registered, upper-case, no repeats
  std::string pattern;
  path_pattern compiled;
  std::size_t target = 0;

  /// True when `method` was registered for this rule.
  bool registered(std::string_view method) const;
  /// True when the rule serves `method`: registered, HEAD through GET, or OPTIONS.
  bool accepts(std::string_view method) const;
  /// Appends every method the rule serves (werkzeug's rule.methods as Flask fills it).
  void append_served(std::pmr::vector<std::string_view>& out) const;
};

}  // namespace snasio::routing
