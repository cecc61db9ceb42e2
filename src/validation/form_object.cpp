#include "validation/form_object.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace snasio::validation {

std::string form_object(const http::form& form, const node& schema, rapidjson::Value& out,
                        rapidjson::Document::AllocatorType& a) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [name, text] : form.fields) fields.emplace_back(name, text);
  for (const auto& part : form.parts)
    if (!part.filename) fields.emplace_back(part.name, std::string(part.data));
  std::vector<std::pair<std::string, std::size_t>> next_index;
  for (auto& [name, text] : fields) {
    std::string key = name;
    if (auto open = key.find('['); open != std::string::npos && key.back() == ']') {
      std::string index = key.substr(open + 1, key.size() - open - 2);
      key.resize(open);
      if (!index.empty()) {
        auto it = std::find_if(next_index.begin(), next_index.end(), [&](const auto& e) { return e.first == key; });
        std::size_t expected = it == next_index.end() ? 0 : it->second;
        if (index != std::to_string(expected))
          return "Failed to parse URL-encoded form data: missing index, expected: " + std::to_string(expected) +
                 " got " + index;
        if (it == next_index.end()) next_index.emplace_back(key, 1);
        else ++it->second;
      }
    }
    auto property = std::find_if(schema.properties.begin(), schema.properties.end(),
                                 [&](const auto& p) { return p.first == key; });
    bool listed = property != schema.properties.end() && (property->second->types & array);
    rapidjson::Value k(key.data(), rapidjson::SizeType(key.size()), a);
    rapidjson::Value v(text.data(), rapidjson::SizeType(text.size()), a);
    auto m = out.FindMember(k);
    if (listed) {
      if (m == out.MemberEnd()) {
        out.AddMember(k, rapidjson::Value(rapidjson::kArrayType), a);
        m = out.FindMember(key.c_str());
      }
      m->value.PushBack(v, a);
    } else if (m == out.MemberEnd()) {
      out.AddMember(k, v, a);
    } else {
      m->value = v;
    }
  }
  return {};
}

}  // namespace snasio::validation
