#include "routing/router.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory_resource>

#include "http/utf8.hpp"
#include "routing/rule_tree.hpp"

namespace snasio::routing {
namespace {

/// Upper-cases, drops repeats and defaults to GET, as werkzeug's Rule does.
std::vector<std::string> normalize_methods(std::vector<std::string> methods, std::string_view pattern) {
  if (methods.empty()) methods.emplace_back("GET");
  std::vector<std::string> out;
  for (auto& method : methods) {
    if (method.empty()) throw pattern_error("bad route pattern '" + std::string(pattern) + "': empty method name");
    for (char& c : method)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (std::find(out.begin(), out.end(), method) == out.end()) out.push_back(std::move(method));
  }
  return out;
}

// Enough for the search's lists on any sane rule set, so a match allocates
// nothing for them; a bigger need falls back to the heap.
constexpr std::size_t search_arena_bytes = 1024;

/// "DELETE, GET, HEAD, OPTIONS": sorted, each once, as the Allow header wants them.
std::string allow_header(std::pmr::vector<std::string_view>& methods) {
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  std::string out;
  for (auto method : methods) {
    if (!out.empty()) out += ", ";
    out += method;
  }
  return out;
}

/// werkzeug's NoMatch: 405 when some rule for the path serves other methods, else 404.
match_result no_match(search_result& searched) {
  match_result result;
  if (searched.allowed.empty()) return result;
  result.what = match_result::outcome::method_not_allowed;
  result.allow = allow_header(searched.allowed);
  return result;
}

}  // namespace

struct router::impl {
  rule_tree tree;

  /// Turns a chosen rule's texts into typed parameters; false when a converter refuses one.
  static bool convert(const search_result& searched, std::vector<path_param>& out) {
    const auto& params = searched.chosen->compiled.params;
    out.reserve(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto param = params[i].conv.convert(params[i].name, searched.values[i]);
      if (!param) return false;
      out.push_back(std::move(*param));
    }
    return true;
  }

  match_result match(std::string_view method, std::string_view path) const {
    std::array<std::byte, search_arena_bytes> buffer;
    std::pmr::monotonic_buffer_resource arena(buffer.data(), buffer.size());
    auto searched = tree.search(path.substr(1), method, &arena);
    match_result result;
    if (searched.what == search_result::outcome::slash_required) {
      result.what = match_result::outcome::redirect;
      return result;
    }
    if (searched.what == search_result::outcome::none || !convert(searched, result.params)) return no_match(searched);
    // Flask answers OPTIONS itself, with what every rule for the path serves,
    // unless the chosen rule registered OPTIONS for its own handler.
    if (method == "OPTIONS" && !searched.chosen->registered(method)) {
      result.what = match_result::outcome::options;
      result.params.clear();
      auto every_rule = tree.search(path.substr(1), {}, &arena);
      result.allow = allow_header(every_rule.allowed);
      return result;
    }
    result.what = match_result::outcome::found;
    result.target = searched.chosen->target;
    return result;
  }
};

router::router() : impl_(std::make_unique<impl>()) {}
router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

void router::check(const std::vector<std::string>& methods, std::string_view pattern) {
  normalize_methods(methods, pattern);
  compile_pattern(pattern);
}

void router::add(std::vector<std::string> methods, std::string_view pattern, std::size_t target) {
  auto normalized = normalize_methods(std::move(methods), pattern);
  impl_->tree.add(rule{std::move(normalized), std::string(pattern), compile_pattern(pattern), target});
}

// werkzeug sees PATH_INFO decoded as UTF-8 with errors="replace"; replacing
// ill-formed bytes the same way keeps every parameter valid UTF-8 for Python
// and makes string lengths count the same characters werkzeug counts.
match_result router::match(std::string_view method, std::string_view decoded_path) const {
  if (decoded_path == "*" && method == "OPTIONS") return server_options();
  if (!decoded_path.starts_with('/')) return {};
  if (http::is_valid_utf8(decoded_path)) return impl_->match(method, decoded_path);
  auto replaced = http::replace_invalid_utf8(decoded_path);
  return impl_->match(method, replaced);
}

// "OPTIONS *" asks what the server allows as a whole (RFC 9110 9.3.7): what
// any rule serves, HEAD wherever GET is, and OPTIONS, which every path answers.
match_result router::server_options() const {
  std::pmr::vector<std::string_view> methods{"OPTIONS"};
  for (const auto& r : impl_->tree.rules())
    for (const auto& m : r.methods) {
      methods.push_back(m);
      if (m == "GET") methods.push_back("HEAD");
    }
  match_result result;
  result.what = match_result::outcome::options;
  result.allow = allow_header(methods);
  return result;
}

std::vector<route_info> router::routes() const {
  std::vector<route_info> out;
  for (const auto& r : impl_->tree.rules()) out.push_back({r.methods, r.pattern, r.target});
  return out;
}

}  // namespace snasio::routing
