#include "validation/schema.hpp"

#include <algorithm>
#include <stdexcept>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <re2/re2.h>

namespace snasio::validation {

namespace {

constexpr int max_depth = 64;  // nesting of subschemas, $ref chains included

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("bad schema: " + what); }

// Keywords that constrain a value and that this validator does not check:
// refused, so that a schema never accepts more than it says. (Keywords that
// only annotate, such as title or description, are ignored.)
bool unsupported(std::string_view key) {
  for (std::string_view k : {"patternProperties", "propertyNames", "contains", "minContains", "maxContains", "if",
                             "then", "else", "prefixItems", "additionalItems", "unevaluatedItems",
                             "unevaluatedProperties", "dependentSchemas", "$dynamicRef", "$recursiveRef"})
    if (key == k) return true;
  return false;
}

const std::pair<std::string_view, format> formats[] = {
    {"uuid", format::uuid},         {"date", format::date},         {"date-time", format::date_time},
    {"time", format::time},         {"email", format::email},       {"ipv4", format::ipv4},
    {"ipv6", format::ipv6},         {"uri", format::uri},           {"hostname", format::hostname},
    {"duration", format::duration}, {"decimal", format::decimal},   {"binary", format::binary}};

unsigned type_of(std::string_view name) {
  if (name == "null") return null;
  if (name == "boolean") return boolean;
  if (name == "integer") return integer;
  if (name == "number") return number | integer;  // every integer is a number
  if (name == "string") return string;
  if (name == "array") return array;
  if (name == "object") return object;
  fail("unknown type '" + std::string(name) + "'");
}

std::size_t count(const rapidjson::Value& v, const char* keyword) {
  if (!v.IsUint64()) fail(std::string(keyword) + " must be a non-negative integer");
  return std::size_t(v.GetUint64());
}

bound number_of(const rapidjson::Value& v, const char* keyword) {
  if (!v.IsNumber()) fail(std::string(keyword) + " must be a number");
  return {v.GetDouble(), json_text(v)};
}

}  // namespace

std::string json_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  v.Accept(writer);
  return {out.GetString(), out.GetSize()};
}

schema::schema(const rapidjson::Value& json) {
  copy_.CopyFrom(json, copy_.GetAllocator());
  root_ = compile(copy_, 0);
}

const node* schema::compile(const rapidjson::Value& json, int depth) {
  if (depth > max_depth) fail("nested too deeply (or a $ref cycle)");
  if (json.IsBool()) {  // true: anything; false: nothing
    node& n = nodes_.emplace_back();
    n.text = json_text(json);
    if (!json.GetBool()) n.negated = &nodes_.emplace_back(), n.judges_value = true;
    return &n;
  }
  if (!json.IsObject()) fail("a schema must be an object or a boolean");
  if (auto ref = json.FindMember("$ref"); ref != json.MemberEnd()) {
    if (!ref->value.IsString()) fail("$ref must be a string");
    return resolve(ref->value.GetString(), depth + 1);
  }
  node& n = nodes_.emplace_back();
  n.text = json_text(json);
  for (const auto& m : json.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    const rapidjson::Value& v = m.value;
    if (key == "type") {
      if (v.IsString()) n.types = type_of(v.GetString());
      else if (v.IsArray())
        for (const auto& t : v.GetArray()) n.types |= t.IsString() ? type_of(t.GetString()) : (fail("type"), 0u);
      else fail("type must be a string or an array");
    } else if (key == "minLength") n.min_length = count(v, "minLength");
    else if (key == "maxLength") n.max_length = count(v, "maxLength");
    else if (key == "pattern") {
      if (!v.IsString()) fail("pattern must be a string");
      n.pattern_text.assign(v.GetString(), v.GetStringLength());
      RE2::Options options;
      options.set_log_errors(false);
      n.pattern = std::make_shared<RE2>(n.pattern_text, options);
      if (!n.pattern->ok()) fail("pattern '" + n.pattern_text + "': " + n.pattern->error());
    } else if (key == "format") {
      if (!v.IsString()) fail("format must be a string");
      n.format_name = v.GetString();
      for (const auto& [name, f] : formats)
        if (name == n.format_name) n.format = f;  // an unknown format is only a note, as JSON Schema says
    } else if (key == "uuidVersion") {
      n.uuid_version = v.IsInt() ? v.GetInt() : v.IsString() ? std::atoi(v.GetString()) : 0;
    } else if (key == "minimum") n.minimum = number_of(v, "minimum");
    else if (key == "maximum") n.maximum = number_of(v, "maximum");
    else if (key == "exclusiveMinimum" && v.IsNumber()) n.exclusive_minimum = number_of(v, "exclusiveMinimum");
    else if (key == "exclusiveMaximum" && v.IsNumber()) n.exclusive_maximum = number_of(v, "exclusiveMaximum");
    else if (key == "multipleOf") {
      n.multiple_of = number_of(v, "multipleOf");
      if (n.multiple_of->value <= 0) fail("multipleOf must be greater than 0");
    } else if (key == "minItems") n.min_items = count(v, "minItems");
    else if (key == "maxItems") n.max_items = count(v, "maxItems");
    else if (key == "uniqueItems") n.unique_items = v.IsBool() && v.GetBool();
    else if (key == "items") {
      if (!v.IsObject() && !v.IsBool()) fail("items must be a schema (a list of schemas is not supported)");
      n.items = compile(v, depth + 1);
    }
    else if (key == "separator" && v.IsString()) n.separator = v.GetString();
    else if (key == "properties") {
      if (!v.IsObject()) fail("properties must be an object");
      for (const auto& p : v.GetObject()) n.properties.emplace_back(p.name.GetString(), compile(p.value, depth + 1));
      std::sort(n.properties.begin(), n.properties.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      // Two schemas for one name: which judges a member would depend on the lookup.
      auto twin = std::adjacent_find(n.properties.begin(), n.properties.end(),
                                     [](const auto& a, const auto& b) { return a.first == b.first; });
      if (twin != n.properties.end()) fail("property '" + twin->first + "' is declared twice");
    } else if (key == "required") {
      if (!v.IsArray()) continue;  // "required": true belongs to a parameter, not to the schema
      for (const auto& r : v.GetArray()) n.required.emplace_back(r.IsString() ? r.GetString() : (fail("required"), ""));
    } else if (key == "additionalProperties") {
      if (v.IsBool()) n.additional_allowed = v.GetBool();
      else n.additional = compile(v, depth + 1);
    } else if (key == "minProperties") n.min_properties = count(v, "minProperties");
    else if (key == "maxProperties") n.max_properties = count(v, "maxProperties");
    else if (key == "dependencies" || key == "dependentRequired") {
      if (!v.IsObject()) fail(std::string(key) + " must be an object");
      for (const auto& d : v.GetObject()) {
        if (!d.value.IsArray()) fail("a schema under '" + std::string(key) + "' is not supported (only lists of names)");
        std::vector<std::string> names;
        for (const auto& r : d.value.GetArray()) if (r.IsString()) names.emplace_back(r.GetString());
        n.dependencies.emplace_back(d.name.GetString(), std::move(names));
      }
    } else if (key == "const") n.constant = &v;
    else if (key == "enum") {
      if (!v.IsArray() || v.Empty()) fail("enum must be a non-empty array");
      for (const auto& e : v.GetArray()) n.enumeration.push_back(&e);
    } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
      if (!v.IsArray() || v.Empty()) fail(std::string(key) + " must be a non-empty array");
      auto& list = key == "allOf" ? n.all_of : key == "anyOf" ? n.any_of : n.one_of;
      for (const auto& s : v.GetArray()) list.push_back(compile(s, depth + 1));
    } else if (key == "not") n.negated = compile(v, depth + 1);
    else if (unsupported(key)) fail("keyword '" + std::string(key) + "' is not supported");
  }
  if (!n.properties.empty()) {
    n.property_at_bit.assign(64, node::no_property);
    for (std::size_t i = 0; i < n.properties.size(); ++i) {
      std::uint8_t& at = n.property_at_bit[name_bit(n.properties[i].first)];
      at = at == node::no_property && i < node::several_properties ? std::uint8_t(i) : node::several_properties;
    }
  }
  for (const auto& name : n.required) {
    auto p = std::find_if(n.properties.begin(), n.properties.end(), [&](const auto& p) { return p.first == name; });
    if (p == n.properties.end()) n.required_undeclared.push_back(name);
    else if (p - n.properties.begin() < 64) n.required_bits |= std::uint64_t(1) << (p - n.properties.begin());
  }
  n.judges_value = n.min_length || n.max_length || n.pattern || n.format != format::none || n.minimum || n.maximum ||
                   n.exclusive_minimum || n.exclusive_maximum || n.multiple_of || n.constant || !n.enumeration.empty() ||
                   !n.all_of.empty() || !n.any_of.empty() || !n.one_of.empty() || n.negated;
  return &n;
}

const node* schema::resolve(const std::string& ref, int depth) {
  for (const auto& [name, n] : resolved_)
    if (name == ref) return n;
  for (std::string_view prefix : {"#/definitions/", "#/$defs/"}) {
    if (!ref.starts_with(prefix)) continue;
    auto defs = copy_.FindMember(prefix == "#/definitions/" ? "definitions" : "$defs");
    std::string name = ref.substr(prefix.size());
    if (defs == copy_.MemberEnd() || !defs->value.IsObject() || !defs->value.HasMember(name.c_str()))
      fail("$ref '" + ref + "' names no definition");
    const node* n = compile(defs->value[name.c_str()], depth);
    resolved_.emplace_back(ref, n);
    return n;
  }
  fail("$ref '" + ref + "': only #/definitions/... and #/$defs/... are supported");
}

}  // namespace snasio::validation
