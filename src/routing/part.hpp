#pragma once

#include <cstddef>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "routing/converter.hpp"

namespace snasio::routing {

/// werkzeug's Weighting of a dynamic part: how it ranks against its siblings.
struct weighting {
  std::vector<std::size_t> static_lengths;  ///< code points of each static run, in order
  std::vector<int> converter_weights;       ///< each converter's weight, in order

  /// True when `*this` is tried before `other`.
  bool operator<(const weighting& other) const;
  bool operator==(const weighting& other) const = default;
};

/// A run of literal text, or a converter placeholder.
struct piece {
  std::string literal;  ///< the text, when not a converter
  bool is_converter = false;
  converter conv;       ///< when is_converter
};

/// One part of a rule, as werkzeug's RulePart: a '/'-separated segment, or
/// everything from a path converter's segment to the rule's end (a final part).
struct part {
  std::vector<piece> pieces;
  bool final = false;  ///< consumes the rest of the path, slashes included
  weighting weight;

  /// True when the part has no converter: it matches its literal text exactly.
  bool is_static() const { return pieces.size() <= 1 && (pieces.empty() || !pieces[0].is_converter); }
  /// The literal text of a static part.
  std::string_view static_text() const { return pieces.empty() ? std::string_view() : pieces[0].literal; }
  /// Equal keys match the same texts with the same weight: werkzeug shares their transition.
  std::string key() const;
  /// Matches all of `target` the way werkzeug's regex would, appending each converter's text.
  bool match(std::string_view target, std::pmr::vector<std::string_view>& values) const;
};

}  // namespace snasio::routing
