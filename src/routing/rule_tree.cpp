#include "routing/rule_tree.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>

#include "routing/pattern_error.hpp"

namespace snasio::routing {
namespace {

// FNV-1a, 64-bit: segments are short, and a byte loop beats a general-purpose
// hash there. Requests only look keys up (the table holds the rules' text), so
// crafted collisions cannot make the table grow.
constexpr std::uint64_t fnv_offset_basis = 0xcbf29ce484222325;
constexpr std::uint64_t fnv_prime = 0x100000001b3;

/// Lets the static-transition map be searched with a string_view, no copy.
struct text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    std::uint64_t hash = fnv_offset_basis;
    for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * fnv_prime;
    return static_cast<std::size_t>(hash);
  }
};

}  // namespace

/// One state: where a path is after matching some of its parts.
struct rule_tree::node {
  /// A dynamic transition: a part with converters, and the state it leads to.
  struct edge {
    std::string key;
    part test;
    std::unique_ptr<node> next;
  };

  std::unordered_map<std::string, std::unique_ptr<node>, text_hash, std::equal_to<>> statics;
  std::vector<edge> dynamics;      ///< in the order they are tried (by weight, then age)
  std::vector<std::size_t> rules;  ///< indices into rules_, in registration order

  const node* static_child(std::string_view text) const {
    auto found = statics.find(text);
    return found == statics.end() ? nullptr : found->second.get();
  }

  const node* dynamic_child(const std::string& key) const {
    for (const auto& e : dynamics)
      if (e.key == key) return e.next.get();
    return nullptr;
  }

  node& child_for(const part& p) {
    if (p.is_static()) {
      auto& slot = statics[std::string(p.static_text())];
      if (!slot) slot = std::make_unique<node>();
      return *slot;
    }
    auto key = p.key();
    for (auto& e : dynamics)
      if (e.key == key) return *e.next;
    // After every edge of lower or equal weight: werkzeug's stable sort keeps
    // equal weights in the order they were first added.
    auto at = std::upper_bound(dynamics.begin(), dynamics.end(), p.weight,
                               [](const weighting& w, const edge& e) { return w < e.test.weight; });
    return *dynamics.insert(at, edge{key, p, std::make_unique<node>()})->next;
  }
};

/// One depth-first search, mirroring werkzeug's `_match`. Each state sits at a
/// fixed depth, so each is visited at most once: the cost follows the path's
/// segments and the states they reach, not the number of rules.
class rule_tree::searcher {
 public:
  searcher(const rule_tree& tree, std::string_view path, std::string_view method, std::pmr::memory_resource* memory)
      : tree_(tree), path_(path), method_(method), result_(memory) {}

  search_result run() {
    visit(*tree_.root_, 0);
    return std::move(result_);
  }

 private:
  // `pos` is where the next segment starts, npos once every segment is matched.
  bool visit(const node& state, std::size_t pos) {
    if (pos == std::string_view::npos) return at_end(state);
    auto slash = path_.find('/', pos);
    auto segment = path_.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
    auto next = slash == std::string_view::npos ? slash : slash + 1;
    if (const node* child = state.static_child(segment))
      if (visit(*child, next)) return true;
    for (const auto& e : state.dynamics) {
      // A final part (a path converter) takes all that is left, slashes included.
      auto target = e.test.final ? path_.substr(pos) : segment;
      auto mark = result_.values.size();
      if (!e.test.match(target, result_.values)) continue;
      if (visit(*e.next, e.test.final ? std::string_view::npos : next)) return true;
      result_.values.resize(mark);
    }
    return false;
  }

  bool at_end(const node& state) {
    for (auto index : state.rules) {
      const rule& candidate = tree_.rules_[index];
      if (candidate.accepts(method_)) {
        result_.what = search_result::outcome::found;
        result_.chosen = &candidate;
        return true;
      }
      candidate.append_served(result_.allowed);
    }
    // werkzeug raises at once here (SlashRequired), ending the whole search:
    // a rule for the path plus '/' beats any rule a later branch could find.
    if (const node* slashed = state.static_child("")) {
      for (auto index : slashed->rules) {
        if (!tree_.rules_[index].accepts(method_)) continue;
        result_.what = search_result::outcome::slash_required;
        return true;
      }
    }
    return false;
  }

  const rule_tree& tree_;
  std::string_view path_;
  std::string_view method_;
  search_result result_;
};

rule_tree::rule_tree() : root_(std::make_unique<node>()) {}
rule_tree::~rule_tree() = default;
rule_tree::rule_tree(rule_tree&&) noexcept = default;
rule_tree& rule_tree::operator=(rule_tree&&) noexcept = default;

void rule_tree::add(rule added) {
  // Look before building, so a refused rule leaves no empty states behind.
  const node* existing = root_.get();
  for (const auto& p : added.compiled.parts) {
    if (!existing) break;
    existing = p.is_static() ? existing->static_child(p.static_text()) : existing->dynamic_child(p.key());
  }
  for (auto index : existing ? existing->rules : std::vector<std::size_t>{}) {
    const rule& earlier = rules_[index];
    for (const auto& method : added.methods)
      if (earlier.registered(method))
        throw rule_clash("bad route pattern '" + added.pattern + "': it repeats '" + earlier.pattern + "' for " + method,
                         earlier.target);
  }
  node* state = root_.get();
  for (const auto& p : added.compiled.parts) state = &state->child_for(p);
  state->rules.push_back(rules_.size());
  rules_.push_back(std::move(added));
}

search_result rule_tree::search(std::string_view path, std::string_view method,
                                std::pmr::memory_resource* memory) const {
  return searcher(*this, path, method, memory).run();
}

}  // namespace snasio::routing
