// The walk over a parsed JSON body before it is checked (json_walk.hpp).
#include "validation/json_walk.hpp"

#include <algorithm>
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
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;  // the escaped character is not the string's end
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
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
