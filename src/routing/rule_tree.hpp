#pragma once

#include <cstddef>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "routing/part.hpp"
#include "routing/rule.hpp"

namespace snasio::routing {

/// What searching the tree for one (method, path) found.
struct search_result {
  enum class outcome {
    found,           ///< `chosen` serves the method; `values` are its converters' texts
    none,            ///< nothing serves it; `allowed` lists what the path's rules serve
    slash_required,  ///< a rule ending in '/' serves the path with a '/' appended
  };
  outcome what = outcome::none;
  const rule* chosen = nullptr;
  std::pmr::vector<std::string_view> values;
  std::pmr::vector<std::string_view> allowed;  ///< werkzeug's have_match_for, unsorted, maybe repeated

  /// An empty result whose lists allocate from `memory`.
  explicit search_result(std::pmr::memory_resource* memory) : values(memory), allowed(memory) {}
};

/// werkzeug 2.2's StateMachineMatcher: rules hang off a tree of parts that is
/// searched depth first, static parts before dynamic ones, dynamic by weight.
class rule_tree {
 public:
  rule_tree();
  ~rule_tree();
  rule_tree(rule_tree&&) noexcept;
  rule_tree& operator=(rule_tree&&) noexcept;

  /// Adds a rule; throws pattern_error when an earlier rule has the same parts and a method in common.
  void add(rule added);
  /// Searches for `path` (decoded, well-formed UTF-8, without its leading '/');
  /// the result's lists allocate from `memory`.
  search_result search(std::string_view path, std::string_view method, std::pmr::memory_resource* memory) const;
  /// Every rule in registration order.
  const std::vector<rule>& rules() const { return rules_; }

 private:
  struct node;
  class searcher;

  std::unique_ptr<node> root_;
  std::vector<rule> rules_;
};

}  // namespace snasio::routing
