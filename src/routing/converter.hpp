#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/converter_args.hpp"
#include "routing/path_param.hpp"

namespace snasio::routing {

/// The offsets where a converter's match may end, in the order werkzeug's regex tries them.
struct match_ends {
  std::size_t shortest;  ///< the end of the shortest match
  std::size_t longest;   ///< the end of the longest match
  bool longest_first;    ///< greedy (every converter but path) tries the longest first
};

/// One `<converter(args):name>` placeholder's converter: what it matches and how it converts.
class converter {
 public:
  /// Builds the converter `name` ("" means the default, string) with werkzeug-style `args`.
  /// Throws std::invalid_argument with the reason.
  static converter make(std::string_view name, std::string_view args);

  /// The type of the values it produces.
  path_param::kind type() const { return type_; }
  /// werkzeug's weight: numbers 50, string and uuid 100, path 200; lower is tried first.
  int weight() const;
  /// False for path, the one converter that may span '/'.
  bool isolating() const { return type_ != path_param::kind::path; }
  /// Equal keys match exactly the same texts (werkzeug's regex), whatever min/max say.
  std::string match_key() const;
  /// Where a match starting at `pos` in `text` may end; nullopt when none can.
  std::optional<match_ends> ends(std::string_view text, std::size_t pos) const;
  /// Converts a matched text into `name`'s value; nullopt when min, max or fixed_digits refuse it.
  std::optional<path_param> convert(const std::string& name, std::string_view text) const;

 private:
  using arg_slots = std::vector<std::optional<converter_arg>>;
  void bind_string(const arg_slots& slots);
  void bind_number(const arg_slots& slots);

  std::optional<match_ends> string_ends(std::string_view text, std::size_t pos) const;
  std::optional<match_ends> number_ends(std::string_view text, std::size_t pos) const;
  std::optional<match_ends> uuid_ends(std::string_view text, std::size_t pos) const;
  std::optional<match_ends> path_ends(std::string_view text, std::size_t pos) const;
  bool integer_in_bounds(const std::string& canonical) const;
  bool floating_in_bounds(double value) const;

  path_param::kind type_ = path_param::kind::string;
  std::size_t min_length_ = 1;               ///< string: code points, at least
  std::optional<std::size_t> max_length_;    ///< string: code points, at most
  bool exact_length_ = false;                ///< string: written as length=n
  bool signed_ = false;                      ///< integer, floating: a leading '-' is allowed
  std::size_t fixed_digits_ = 0;             ///< integer: exact text length when not 0
  std::optional<std::string> integer_min_;   ///< integer: canonical bound
  std::optional<std::string> integer_max_;
  std::optional<double> floating_min_;       ///< floating: bound
  std::optional<double> floating_max_;
};

}  // namespace snasio::routing
