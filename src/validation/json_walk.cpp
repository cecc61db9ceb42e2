// The walk over a parsed JSON body before it is checked (json_walk.hpp).
#include "validation/json_walk.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <cmath>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace snasio::validation {

namespace {

// Whether two members of `object` share a name.
bool has_twins(const rapidjson::Value& object) {
  auto name = [](const auto& m) { return std::string_view(m.name.GetString(), m.name.GetStringLength()); };
  auto members = object.GetObject();
  if (members.MemberCount() <= 16) {  // most objects: no allocation
    for (auto a = members.begin(); a != members.end(); ++a)
      for (auto b = a + 1; b != members.end(); ++b)
        if (name(*a) == name(*b)) return true;
    return false;
  }
  std::vector<std::string_view> names;
  for (const auto& m : members) names.push_back(name(m));
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

// Keeps, of members that share a name, the last value where the first stood:
// what Python's json module makes of them, and so what the handler would get.
void keep_last_twin(rapidjson::Value& object, rapidjson::Document::AllocatorType& allocator) {
  std::unordered_map<std::string, rapidjson::Value*> last;
  for (auto& m : object.GetObject()) last[std::string(m.name.GetString(), m.name.GetStringLength())] = &m.value;
  rapidjson::Value kept(rapidjson::kObjectType);
  for (auto& m : object.GetObject()) {
    auto it = last.find(std::string(m.name.GetString(), m.name.GetStringLength()));
    if (it == last.end()) continue;  // a later twin, taken already
    rapidjson::Value& value = *it->second;
    last.erase(it);
    kept.AddMember(m.name, value, allocator);  // moves both
  }
  object = kept;
}

}  // namespace

std::size_t bracket_depth(std::string_view json) {
  // What each byte is to the count: most are nothing, passed over in a
  // tight loop; a quote starts a string, whose end memchr finds.
  enum : std::uint8_t { other, quote, open, close };
  static constexpr auto kind = [] {
    std::array<std::uint8_t, 256> table{};
    table['"'] = quote;
    table['['] = table['{'] = open;
    table[']'] = table['}'] = close;
    return table;
  }();
  const char* p = json.data();
  const char* const end = p + json.size();
  std::size_t depth = 0, deepest = 0;
  for (;;) {
    while (p != end && kind[static_cast<unsigned char>(*p)] == other) ++p;
    if (p == end) return deepest;
    switch (kind[static_cast<unsigned char>(*p++)]) {
      case quote:
        // To the first quote after an even run of backslashes (an odd run escapes it).
        for (;;) {
          const char* q = static_cast<const char*>(std::memchr(p, '"', std::size_t(end - p)));
          if (!q) return deepest;
          std::size_t slashes = 0;
          while (q - slashes > p && q[-1 - std::ptrdiff_t(slashes)] == '\\') ++slashes;
          p = q + 1;
          if (slashes % 2 == 0) break;
        }
        break;
      case open: deepest = std::max(deepest, ++depth); break;
      default: depth -= depth > 0; break;  // close
    }
  }
}

shape walk(rapidjson::Value& v, rapidjson::Document::AllocatorType& allocator) {
  std::vector<std::pair<rapidjson::Value*, std::size_t>> todo{{&v, 1}};
  shape out;
  while (!todo.empty()) {
    auto [at, d] = todo.back();
    todo.pop_back();
    out.depth = std::max(out.depth, d);
    if (at->IsDouble() && !std::isfinite(at->GetDouble())) out.finite = false;
    if (at->IsArray()) {
      for (auto& e : at->GetArray()) todo.emplace_back(&e, d + 1);
    } else if (at->IsObject()) {
      if (has_twins(*at)) keep_last_twin(*at, allocator), out.merged = true;
      for (auto& m : at->GetObject()) todo.emplace_back(&m.value, d + 1);
    }
  }
  return out;
}

}  // namespace snasio::validation
