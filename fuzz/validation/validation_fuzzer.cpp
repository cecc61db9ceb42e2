// Fuzzes the validator with schemas and inputs. Input: a line holding the
// dialect ('p' pydantic, 'j' JSON Schema) and a schema, a line holding a
// query string, then a JSON body; the schema judges both the query's `q`
// (every value of it, as a list) and the body. Checked on every input:
//   - a schema the compiler refuses says why (std::invalid_argument, with a
//     reason); nothing else is thrown;
//   - a refusal is 415 or 422 as a problem document whose status is the
//     answer's, or 400, 413 or 431 as {"error": reason}; a 422 names each
//     error's location under "query" or "body";
//   - an accepted body is converted to a fixed point: its converted text is
//     accepted again and converts to the very same text;
//   - a body the one-pass check takes as sent is one the document's checks
//     take as sent too: it parses, no deeper than the bound, as a container
//     without twins, with no error and nothing converted.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "validation/check.hpp"
#include "validation/json_walk.hpp"
#include "validation/route_validator.hpp"
#include "validation/schema.hpp"

using namespace snasio::validation;

namespace {

std::string plan_for(char dialect, std::string_view schema) {
  std::string s(schema);
  return std::string(R"({"dialect":")") + (dialect == 'j' ? "json_schema" : "pydantic") +
         R"(","params":[{"in":"query","key":"q","required":false,"many":true,"schema":{"type":"array","items":)" + s +
         R"(}}],"body":{"media":"json","required":false,"schema":)" + s + "}}";
}

outcome judge(const route_validator& v, std::string_view query, std::string_view body) {
  static const snasio::http::header_list headers{{"Content-Type", "application/json"}};
  static const snasio::http::form form;
  static const std::vector<std::pair<std::string_view, std::string_view>> path;
  return v.validate({path, query, headers, body, form});
}

void check_refusal(const outcome& o) {
  // 415 and 422 are problem documents; 400, 413 and 431 are {"error": reason}.
  bool problem = o.status == 415 || o.status == 422;
  if (!problem && o.status != 400 && o.status != 413 && o.status != 431) std::abort();
  if (o.content_type != (problem ? "application/problem+json" : "application/json")) std::abort();
  rapidjson::Document doc;
  doc.Parse(o.body.data(), o.body.size());
  if (doc.HasParseError() || !doc.IsObject()) std::abort();
  if (!problem) {
    if (!doc.HasMember("error") || !doc["error"].IsString() || doc["error"].GetStringLength() == 0) std::abort();
    return;
  }
  if (!doc.HasMember("status") || !doc["status"].IsInt() || doc["status"].GetInt() != o.status) std::abort();
  if (o.status != 422) return;
  if (!doc.HasMember("errors") || !doc["errors"].IsArray() || doc["errors"].Empty()) std::abort();
  for (const auto& e : doc["errors"].GetArray()) {
    if (!e.IsObject() || !e.HasMember("loc") || !e["loc"].IsArray() || e["loc"].Empty()) std::abort();
    const auto& where = e["loc"][0];
    if (!where.IsString() || (std::string_view(where.GetString()) != "query" && std::string_view(where.GetString()) != "body"))
      std::abort();
  }
}

void check_one_pass(char dialect_letter, std::string_view schema_text, std::string_view body) {
  rapidjson::Document json;
  json.Parse(schema_text.data(), schema_text.size());
  if (json.HasParseError() || body.find('\0') != std::string_view::npos) return;  // (a NUL is refused before either)
  std::unique_ptr<schema> compiled;
  try {
    compiled = std::make_unique<schema>(json);
  } catch (const std::invalid_argument&) {
    return;
  }
  const dialect how = dialect_letter == 'j' ? dialect::json_schema : dialect::pydantic;
  std::string text(body);
  if (!passes_as_sent(text.data(), compiled->root(), how, 32)) return;
  text = body;
  rapidjson::Document doc;
  const parse_outcome parsed = parse_bounded(text.data(), doc, 32);
  if (parsed.error != rapidjson::kParseErrorNone || parsed.too_deep || !parsed.finite) std::abort();
  if ((!doc.IsObject() && !doc.IsArray()) || merge_twins(doc, doc.GetAllocator())) std::abort();
  std::vector<error> errors;
  checker c(how, doc.GetAllocator(), errors);
  c.check(compiled->root(), doc, place{nullptr, "body"}, false);
  if (!errors.empty() || c.coercions() != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t first = input.find('\n');
  if (first == std::string_view::npos || first == 0) return 0;
  std::size_t second = input.find('\n', first + 1);
  if (second == std::string_view::npos) return 0;
  std::string_view schema = input.substr(1, first - 1), query = input.substr(first + 1, second - first - 1);
  std::string_view body = input.substr(second + 1);

  std::unique_ptr<route_validator> v;
  try {
    v = std::make_unique<route_validator>(plan_for(input[0], schema), 32);
  } catch (const std::invalid_argument& e) {
    if (std::string_view(e.what()).empty()) std::abort();
    return 0;
  }
  check_one_pass(input[0], schema, body);
  outcome o = judge(*v, query, body);
  if (o.status != 0) {
    check_refusal(o);
    return 0;
  }
  if (o.values.size() != 2) std::abort();
  const value& converted = o.values[1];
  if (converted.k == value::kind::missing) return 0;  // no body was sent
  // The body as the handler gets it, sent again, is accepted as itself.
  std::string text;
  switch (converted.k) {
    case value::kind::null: text = "null"; break;
    case value::kind::boolean: text = converted.boolean ? "true" : "false"; break;
    case value::kind::integer: text = std::to_string(converted.integer); break;
    case value::kind::string: {
      rapidjson::StringBuffer out;
      rapidjson::Writer<rapidjson::StringBuffer> w(out);
      w.String(converted.text.data(), rapidjson::SizeType(converted.text.size()));
      text = out.GetString();
      break;
    }
    case value::kind::number: return 0;  // a double's text round trip is the JSON fuzzer's subject
    case value::kind::body: text = body; break;
    default: text = converted.text;
  }
  outcome again = judge(*v, "", text);
  if (again.status != 0 || again.values.size() != 2) std::abort();
  const value& twice = again.values[1];
  // A body taken as sent is JSON whose text is the body it was judged from.
  auto kind_of = [](const value& v) { return v.k == value::kind::body ? value::kind::json : v.k; };
  auto text_of = [](const value& v, std::string_view sent) { return v.k == value::kind::body ? std::string(sent) : v.text; };
  if (kind_of(twice) != kind_of(converted) || text_of(twice, text) != text_of(converted, body) ||
      twice.integer != converted.integer || twice.boolean != converted.boolean)
    std::abort();
  return 0;
}
