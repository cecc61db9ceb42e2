#pragma once
// INTERFACE CONTRACT (the implementation is free to add members and helpers,
// but the server and the Python bridge code against exactly these names).

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace snasio::routing {

/// A rule that cannot be compiled; what() names the pattern and the reason.
struct pattern_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// One converted path parameter.
struct path_param {
  enum class kind { string, integer, floating, path, uuid };
  std::string name;
  kind type = kind::string;
  std::string text;    ///< the matched text; for integer: canonical decimal digits with optional '-', no leading zeros ("007" -> "7", "-0" -> "0"); for uuid: lower-case canonical form
  double number = 0;   ///< for floating: the value
};

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
  match_result match(std::string_view method, std::string_view decoded_path) const;
  /// Every rule in registration order.
  std::vector<route_info> routes() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace snasio::routing
