#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routing/path_param.hpp"
#include "routing/pattern_error.hpp"

namespace snasio::routing {

/// One registered rule, for the start-up route table.
struct route_info {
  std::vector<std::string> methods;  ///< as registered (HEAD/OPTIONS not added)
  std::string pattern;
  std::size_t target;
};

/// What matching a (method, decoded path) gave.
struct match_result {
  enum class outcome {
    found,               ///< `target` and `params` are set
    not_found,           ///< 404
    method_not_allowed,  ///< 405; `allow` lists the methods
    options,             ///< an OPTIONS request for a known path: 204 with `allow`
    redirect,            ///< 308 to the same path with a '/' appended (the rule ends in '/')
  };
  outcome what = outcome::not_found;
  std::size_t target = 0;
  std::vector<path_param> params;
  std::string allow;  ///< e.g. "GET, HEAD, OPTIONS" (sorted, comma-space separated)
};

// Semantics: werkzeug 2.2's Map(strict_slashes=True, merge_slashes=False) with
// Flask's automatic OPTIONS, matched by the same depth-first state machine
// (static parts before converter parts, converter parts by werkzeug's weights,
// registration order for ties). Converters: string/default (minlength, maxlength,
// length; at least 1 character), int (fixed_digits, min, max, signed), float
// (min, max, signed), path, uuid. As in werkzeug: min/max/fixed_digits are checked
// after the rule is chosen (a refusal is a 404/405, not the next rule); the
// redirect needs a method the '/' rule serves and beats rules a later branch
// would find; a rule that ends in '/' after a path converter never redirects.
// Intentional differences: '>' outside a placeholder, quoted or duplicate
// converter arguments, minlength 0 and identical rules sharing a method are
// refused; negative arguments are read as negative (werkzeug drops the '-');
// the path is matched as given (werkzeug strips leading slashes); int and float
// take ASCII digits only; path also matches '\n'; the any converter is absent.
// Ill-formed UTF-8 in the path is replaced by U+FFFD first, as werkzeug sees it.

/// Maps (method, percent-decoded path) to a target id with werkzeug's rules.
class router {
 public:
  router();
  ~router();
  router(router&&) noexcept;
  router& operator=(router&&) noexcept;

  /// Adds a rule for `methods` (upper-case; empty means {"GET"}). Throws pattern_error.
  void add(std::vector<std::string> methods, std::string_view pattern, std::size_t target);
  /// Matches a percent-decoded path. HEAD falls back to a GET rule.
  /// "OPTIONS *" gives `options` with every method the rules serve.
  match_result match(std::string_view method, std::string_view decoded_path) const;
  /// Every rule in registration order.
  std::vector<route_info> routes() const;
  /// Throws the pattern_error add() would throw for this rule on its own
  /// (a bad pattern or method); clashes with other rules are add()'s to find.
  static void check(const std::vector<std::string>& methods, std::string_view pattern);

 private:
  match_result server_options() const;
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace snasio::routing
