#include "routing/part.hpp"

#include <algorithm>

#include "http/utf8.hpp"

namespace snasio::routing {
namespace {

/// Matches a part's pieces against one target, backtracking like a regex engine:
/// each converter tries its ends in the regex's order, and the first way that
/// reaches the end of the target wins.
class piece_matcher {
 public:
  piece_matcher(const std::vector<piece>& pieces, std::string_view target, std::pmr::vector<std::string_view>& values)
      : pieces_(pieces), target_(target), values_(values) {
    // Two converters or more can retry the same (piece, offset) many times over,
    // which is polynomial in the target's length; remembering failures bounds it.
    auto converters = std::count_if(pieces.begin(), pieces.end(), [](const piece& p) { return p.is_converter; });
    if (converters >= 2) failed_.assign((pieces.size() + 1) * (target.size() + 1), false);
  }

  bool match_from(std::size_t index, std::size_t pos) {
    if (index == pieces_.size()) return pos == target_.size();
    if (!failed_.empty() && failed_[index * (target_.size() + 1) + pos]) return false;
    if (try_piece(index, pos)) return true;
    if (!failed_.empty()) failed_[index * (target_.size() + 1) + pos] = true;
    return false;
  }

 private:
  bool try_piece(std::size_t index, std::size_t pos) {
    const piece& current = pieces_[index];
    if (!current.is_converter) {
      if (!target_.substr(pos).starts_with(current.literal)) return false;
      return match_from(index + 1, pos + current.literal.size());
    }
    auto ends = current.conv.ends(target_, pos);
    if (!ends) return false;
    // The last piece must reach the end of the target (werkzeug's `\Z`): one try.
    if (index + 1 == pieces_.size()) {
      if (target_.size() < ends->shortest || target_.size() > ends->longest) return false;
      return accept(pos, target_.size(), index);
    }
    const piece& following = pieces_[index + 1];
    if (!following.is_converter) return try_ends_before(pos, *ends, following.literal, index);
    if (ends->longest_first) {
      for (std::size_t end = ends->longest;; end = http::previous_code_point(target_, end)) {
        if (accept(pos, end, index)) return true;
        if (end == ends->shortest) return false;
      }
    }
    for (std::size_t end = ends->shortest;; end = http::next_code_point(target_, end)) {
      if (accept(pos, end, index)) return true;
      if (end == ends->longest) return false;
    }
  }

  /// Tries, in preference order, only the ends where the next piece's literal text starts.
  /// Same order as trying every end, but it skips the ends that would fail at once.
  bool try_ends_before(std::size_t pos, const match_ends& ends, std::string_view literal, std::size_t index) {
    if (ends.longest_first) {
      for (auto end = target_.rfind(literal, ends.longest); end != std::string_view::npos && end >= ends.shortest;
           end = end == 0 ? std::string_view::npos : target_.rfind(literal, end - 1))
        if (accept(pos, end, index)) return true;
      return false;
    }
    for (auto end = target_.find(literal, ends.shortest); end != std::string_view::npos && end <= ends.longest;
         end = target_.find(literal, end + 1))
      if (accept(pos, end, index)) return true;
    return false;
  }

  /// Takes target_[pos, end) as the converter's text and tries the rest.
  bool accept(std::size_t pos, std::size_t end, std::size_t index) {
    values_.push_back(target_.substr(pos, end - pos));
    if (match_from(index + 1, end)) return true;
    values_.pop_back();
    return false;
  }

  const std::vector<piece>& pieces_;
  std::string_view target_;
  std::pmr::vector<std::string_view>& values_;
  std::vector<bool> failed_;  ///< (piece, offset) pairs known not to reach the end
};

}  // namespace

// werkzeug sorts by the tuple (-static runs, [(i, -length)], -converters,
// [weights]): more static text first, longer runs first, more converters first,
// then lighter converters (numbers before strings before paths) first.
bool weighting::operator<(const weighting& other) const {
  if (static_lengths.size() != other.static_lengths.size())
    return static_lengths.size() > other.static_lengths.size();
  auto [mine, theirs] = std::mismatch(static_lengths.begin(), static_lengths.end(), other.static_lengths.begin());
  if (mine != static_lengths.end()) return *mine > *theirs;
  if (converter_weights.size() != other.converter_weights.size())
    return converter_weights.size() > other.converter_weights.size();
  return converter_weights < other.converter_weights;
}

std::string part::key() const {
  std::string out = final ? "F" : "P";
  for (const auto& p : pieces) {
    if (p.is_converter)
      out += "<" + p.conv.match_key() + ">";
    else
      out += std::to_string(p.literal.size()) + ":" + p.literal;
  }
  return out;
}

bool part::match(std::string_view target, std::pmr::vector<std::string_view>& values) const {
  auto mark = values.size();
  piece_matcher matcher(pieces, target, values);
  if (matcher.match_from(0, 0)) return true;
  values.resize(mark);
  return false;
}

}  // namespace snasio::routing
