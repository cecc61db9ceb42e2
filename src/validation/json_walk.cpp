// A JSON body parsed no deeper than its bound, and its twin members merged, before it is checked (json_walk.hpp).
#include "validation/json_walk.hpp"

#include <algorithm>
#include <cstdint>
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
  // First a bit per name: names whose bits all differ differ (most
  // objects), and no name is compared.
  std::uint64_t seen = 0, again = 0;
  for (const auto& m : members) {
    const std::uint64_t bit = std::uint64_t(1) << name_bit(name(m));
    again |= seen & bit;
    seen |= bit;
  }
  if (!again) return false;
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

namespace {
// The document's own handler, each value's level counted on its way in.
struct bounded_builder {
  rapidjson::Document& doc;
  std::size_t max_depth, open = 0;  // containers open around the next value
  bool too_deep = false, finite = true;

  bool level() { return open < max_depth || (too_deep = true, false); }
  bool Null() { return level() && doc.Null(); }
  bool Bool(bool b) { return level() && doc.Bool(b); }
  bool Int(int i) { return level() && doc.Int(i); }
  bool Uint(unsigned u) { return level() && doc.Uint(u); }
  bool Int64(std::int64_t i) { return level() && doc.Int64(i); }
  bool Uint64(std::uint64_t u) { return level() && doc.Uint64(u); }
  bool Double(double d) {
    finite = finite && std::isfinite(d);
    return level() && doc.Double(d);
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return level() && doc.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return level() && doc.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc.Key(s, n, copy); }
  bool StartObject() { return level() && (++open, doc.StartObject()); }
  bool EndObject(rapidjson::SizeType members) { return --open, doc.EndObject(members); }
  bool StartArray() { return level() && (++open, doc.StartArray()); }
  bool EndArray(rapidjson::SizeType items) { return --open, doc.EndArray(items); }
};
}  // namespace

parse_outcome parse_bounded(char* text, rapidjson::Document& doc, std::size_t max_depth) {
  bounded_builder builder{doc, max_depth};
  rapidjson::Reader reader;
  auto parse = [&](rapidjson::Document&) {
    rapidjson::InsituStringStream in(text);
    return !reader.Parse<rapidjson::kParseInsituFlag>(in, builder).IsError();
  };
  doc.Populate(parse);  // the document's value, once the parse has built it whole
  return {builder.too_deep ? rapidjson::kParseErrorTermination : reader.GetParseErrorCode(), reader.GetErrorOffset(),
          builder.too_deep, builder.finite};
}

bool merge_twins(rapidjson::Value& v, rapidjson::Document::AllocatorType& allocator) {
  // Recursive, into containers only: parse_bounded bounds the depth, as it does the parser's own recursion.
  bool merged = false;
  if (v.IsObject()) {
    if (has_twins(v)) keep_last_twin(v, allocator), merged = true;
    for (auto& m : v.GetObject())
      if (m.value.IsObject() || m.value.IsArray()) merged |= merge_twins(m.value, allocator);
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray())
      if (e.IsObject() || e.IsArray()) merged |= merge_twins(e, allocator);
  }
  return merged;
}

}  // namespace snasio::validation
