// The checks of arrays, objects, enumerations, constants and combinations
// of schemas (the checker's other half is check.cpp).
#include <algorithm>
#include <array>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "validation/check.hpp"
#include "validation/text.hpp"

namespace snasio::validation {

namespace {

// "'a', 'b' or 'c'": an enumeration as pydantic lists what it expected.
std::string expected_list(std::vector<const rapidjson::Value*> values) {
  std::erase_if(values, [](const rapidjson::Value* v) { return v->IsNull(); });  // Optional: not an expected value
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += i + 1 == values.size() ? " or " : ", ";
    out += values[i]->IsString() ? "'" + std::string(values[i]->GetString(), values[i]->GetStringLength()) + "'"
                                 : json_text(*values[i]);
  }
  return out;
}

// A hash that agrees with RapidJSON's ==: numbers by value (1 and 1.0 are
// equal), objects whatever the order of their members.
std::size_t hash_of(const rapidjson::Value& v) {
  auto mix = [](std::size_t h, std::size_t x) { return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); };
  if (v.IsNumber()) return std::hash<double>{}(v.GetDouble());
  if (v.IsString()) return std::hash<std::string_view>{}({v.GetString(), v.GetStringLength()});
  if (v.IsArray()) {
    std::size_t h = 1;
    for (const auto& e : v.GetArray()) h = mix(h, hash_of(e));
    return h;
  }
  if (v.IsObject()) {
    std::size_t h = 2;
    for (const auto& m : v.GetObject())
      h += mix(std::hash<std::string_view>{}({m.name.GetString(), m.name.GetStringLength()}), hash_of(m.value));
    return h;
  }
  return v.IsNull() ? 3 : v.IsTrue() ? 4 : 5;
}

}  // namespace

void checker::check_array(const node& n, rapidjson::Value& v, bool from_text) {
  if (n.items)
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
      if (!fits_as_is(*n.items, v[i])) check(*n.items, v[i], place{here_, {}, i}, from_text);
  const std::size_t size = v.Size();
  const bool pydantic = dialect_ == dialect::pydantic;
  if (n.min_items && size < *n.min_items) {
    std::string limit = std::to_string(*n.min_items);
    if (pydantic)
      add("too_short", "List should have at least " + limit + " item after validation",
          "{\"min_length\":" + limit + "}");
    else
      add("validation_error", "Array must contain at least " + limit + " items",
          "{\"min_items\":" + limit + ",\"actual_items\":" + std::to_string(size) + "}", false);
  } else if (n.max_items && size > *n.max_items) {
    std::string limit = std::to_string(*n.max_items);
    if (pydantic)
      add("too_long", "List should have at most " + plural(*n.max_items, "item") + " after validation",
          "{\"max_length\":" + limit + "}");
    else
      add("validation_error", "Array must not contain more than " + limit + " items",
          "{\"max_items\":" + limit + ",\"actual_items\":" + std::to_string(size) + "}", false);
  }
  if (!n.unique_items) return;
  // Items are compared only with earlier items of the same hash: a long array
  // costs linear time, not the square of its length on the reactor.
  std::unordered_map<std::size_t, std::vector<rapidjson::SizeType>> seen;
  for (rapidjson::SizeType i = 0; i < size; ++i) {
    auto& same = seen[hash_of(v[i])];
    if (std::any_of(same.begin(), same.end(), [&](rapidjson::SizeType j) { return v[i] == v[j]; }))
      return add("validation_error", "Array items must be unique",
                 "{\"unique_items\":true,\"duplicate_value\":" + json_text(v[i]) +
                     ",\"duplicate_index\":" + std::to_string(i) + "}",
                 false);
    same.push_back(i);
  }
}

// The index of property `name` in `n`, or npos: the few properties most
// objects declare one after another, each compared by length first, from
// `next` on (members mostly come in the order they are declared); many by
// binary search (they are sorted).
std::size_t property_index(const node& n, std::string_view name, std::size_t next) {
  const auto& properties = n.properties;
  if (properties.size() <= 8) {
    for (std::size_t k = 0; k < properties.size(); ++k) {
      std::size_t i = (next + k) % properties.size();
      if (std::string_view(properties[i].first) == name) return i;
    }
    return std::string_view::npos;
  }
  auto p = std::lower_bound(properties.begin(), properties.end(), name,
                            [](const auto& property, std::string_view key) { return property.first < key; });
  return p != properties.end() && p->first == name ? std::size_t(p - properties.begin()) : std::string_view::npos;
}

void checker::check_object(const node& n, rapidjson::Value& v, bool from_text) {
  auto whole = [&] { return input(); };  // the object, for the errors that quote it
  auto at = [&](std::string_view name) { return place{here_, name}; };
  // One pass over the members: each is a declared property or an extra.
  std::array<rapidjson::Value*, 16> few{};
  std::vector<rapidjson::Value*> many;
  rapidjson::Value** found = n.properties.size() <= few.size() ? few.data() : (many.resize(n.properties.size()), many.data());
  std::vector<rapidjson::Value::Member*> extras;
  std::size_t next = 0;
  for (auto& m : v.GetObject()) {
    std::size_t i = property_index(n, {m.name.GetString(), m.name.GetStringLength()}, next);
    if (i != std::string_view::npos) found[i] = &m.value, next = i + 1;
    else extras.push_back(&m);
  }
  for (std::size_t i = 0; i < n.properties.size(); ++i) {
    const auto& [name, child] = n.properties[i];
    if (found[i]) {
      if (!fits_as_is(*child, *found[i])) check(*child, *found[i], at(name), from_text);
    }
    else if (std::find(n.required.begin(), n.required.end(), name) != n.required.end()) missing(at(name), whole());
  }
  // A required name that no property declares is missing if no member has it.
  for (const auto& name : n.required_undeclared)
    if (!v.HasMember(name.c_str())) missing(at(name), whole());
  for (auto* m : extras) {
    std::string_view name(m->name.GetString(), m->name.GetStringLength());
    if (n.additional) check(*n.additional, m->value, at(name), from_text);
    else if (!n.additional_allowed && dialect_ == dialect::pydantic)
      add_at(at(name), "extra_forbidden", "Extra inputs are not permitted", json_text(m->value), {});
    else if (!n.additional_allowed)
      add_at(at(name), "validation_error", "Additional properties are not allowed", whole(),
             "{\"additional_properties\":false,\"unexpected_field\":" + quoted(name) + "}");
  }
  auto properties = [](std::size_t k) { return std::to_string(k) + (k == 1 ? " property" : " properties"); };
  if (n.min_properties && v.MemberCount() < *n.min_properties)
    add("validation_error", whole() + " has less than " + properties(*n.min_properties));
  if (n.max_properties && v.MemberCount() > *n.max_properties)
    add("validation_error", whole() + " has more than " + properties(*n.max_properties));
  for (const auto& [key, needed] : n.dependencies) {
    if (!v.HasMember(key.c_str())) continue;
    for (const auto& name : needed)
      if (!v.HasMember(name.c_str())) add("validation_error", quoted(name) + " is a required property");
  }
}

bool checker::passes(const node& n, rapidjson::Value& v, bool from_text) {
  std::vector<error> scratch;
  checker trial(dialect_, allocator_, scratch);
  rapidjson::Value copy(v, allocator_);
  trial.check(n, copy, *here_, from_text);
  return scratch.empty();
}

void checker::check_values(const node& n, rapidjson::Value& v, bool from_text) {
  const bool pydantic = dialect_ == dialect::pydantic;
  if (!n.enumeration.empty() &&
      std::none_of(n.enumeration.begin(), n.enumeration.end(), [&](const rapidjson::Value* e) { return *e == v; })) {
    std::string expected = expected_list(n.enumeration);
    if (pydantic) add("enum", "Input should be " + expected, "{\"expected\":" + quoted(expected) + "}");
    else {
      rapidjson::Value all(rapidjson::kArrayType);
      for (const auto* e : n.enumeration) all.PushBack(rapidjson::Value(*e, allocator_), allocator_);
      add("validation_error", json_text(v) + " is not one of " + json_text(all));
    }
  }
  if (n.constant && !(*n.constant == v)) add("validation_error", json_text(*n.constant) + " was expected");
  for (const node* s : n.all_of) check(*s, v, *here_, from_text);
  if (!n.any_of.empty() && std::none_of(n.any_of.begin(), n.any_of.end(), [&](const node* s) { return passes(*s, v, from_text); }))
    add("validation_error", json_text(v) + " is not valid under any of the schemas listed in the 'anyOf' keyword");
  if (!n.one_of.empty()) {
    auto valid = std::count_if(n.one_of.begin(), n.one_of.end(), [&](const node* s) { return passes(*s, v, from_text); });
    if (valid == 0)
      add("validation_error", json_text(v) + " is not valid under any of the schemas listed in the 'oneOf' keyword");
    else if (valid > 1)
      add("validation_error", json_text(v) + " is valid under more than one of the schemas listed in the 'oneOf' keyword");
  }
  if (n.negated && passes(*n.negated, v, from_text))
    add("validation_error", n.negated->text + " is not allowed for " + json_text(v));
}

}  // namespace snasio::validation
