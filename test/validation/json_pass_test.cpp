#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "validation/check.hpp"
#include "validation/json_walk.hpp"
#include "validation/schema.hpp"

using namespace snasio::validation;

namespace {

// What the document's checks make of `body`, as route_validator runs them:
// true when it parses, is a container no deeper than the bound, has no
// twins, and the checks find nothing and convert nothing.
bool document_takes_as_sent(const node& root, dialect how, std::string_view body, std::size_t max_depth) {
  std::string text(body);
  rapidjson::Document doc;
  parse_outcome parsed = parse_bounded(text.data(), doc, max_depth);
  if (parsed.error != rapidjson::kParseErrorNone || parsed.too_deep || !parsed.finite) return false;
  if (!doc.IsObject() && !doc.IsArray()) return false;
  if (merge_twins(doc, doc.GetAllocator())) return false;
  std::vector<error> errors;
  checker c(how, doc.GetAllocator(), errors);
  c.check(root, doc, place{nullptr, "body"}, false);
  return errors.empty() && c.coercions() == 0;
}

const char* item = R"({"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"},
  "tags":{"type":"array","items":{"type":"string"}},"price":{"type":"number"}},"required":["id","name","tags","price"]})";

const char* schemas[] = {
    item,
    R"({"type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/$defs/Item"}},"total":{"type":"integer"}},
        "required":["items","total"],"$defs":{"Item":)" "ITEM" R"(}})",
    R"({"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":9},"s":{"type":"string","minLength":2,
        "pattern":"^a"},"e":{"enum":["x","y"]},"o":{"type":["string","null"]}},"additionalProperties":false,"required":["n"]})",
    R"({"type":"array","items":{"type":"number","multipleOf":0.5},"minItems":1,"maxItems":3})",
    R"({"type":"object","additionalProperties":{"type":"integer"},"minProperties":1,"maxProperties":2})",
    R"({"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"array","items":{"type":"array"}}}}},
        "required":["a","zz"]})",
    R"({"type":"array","items":{"type":"boolean"},"uniqueItems":true})",
    R"({"type":"object","properties":{"u":{"type":"string","format":"uuid"},"d":{"type":"string","format":"date"}}})",
    R"({"anyOf":[{"type":"object"},{"type":"array"}]})",
    R"({})",
};

const char* bodies[] = {
    R"({"id":1,"name":"a","tags":["x","y"],"price":0.5})",
    R"({"id":1,"name":"a","tags":[],"price":2})",
    R"({"price":0.5,"tags":["x"],"name":"a","id":1})",
    R"( { "id" : 1 , "name" : "a" , "tags" : [ ] , "price" : 1e2 } )",
    R"({"id":1.0,"name":"a","tags":[],"price":1})", R"({"id":"1","name":"a","tags":[],"price":1})",
    R"({"id":1,"name":"a","tags":[],"price":1,"id":2})", R"({"id":1,"name":"a","tags":[],"price":1,"x":1,"x":2})",
    R"({"id":1,"name":"a\u0062","tags":[],"price":1})", R"({"id":1,"n\u0061me":"a","tags":[],"price":1,"name":"b"})", "{\"id\":1,\"name\":\"\xc3\xa9\",\"tags\":[],\"price\":1}",
    R"({"id":1,"name":"a","tags":[1],"price":1})", R"({"id":1,"name":"a","tags":[],"price":"1"})",
    R"({"id":1,"name":"a","tags":[]})", R"({"id":1,"name":"a","tags":[],"price":1,"extra":null})",
    R"({"id":12345678901234567890,"name":"a","tags":[],"price":123456789012345678901234567890})",
    R"({"id":-0,"name":"","tags":[""],"price":-0.0})", R"({"id":1,"name":"a","tags":[],"price":1e400})", R"({"id":1,"name":"a","tags":[],"price":1.8e308})",
    R"({"id":1,"name":"a","tags":[],"price":179769313486231590772930519078902473361797697894230657273430081157732675805500963132708477322407536021120113879871393357658789768814416622492847430639474124377767893424865485276302219601246094119453082952085005768838150682342462881473913110540827237163350510684586298239947245938479716304835356329624224137216})",
    R"({"id":01,"name":"a","tags":[],"price":1})", R"({"id":1,"name":"a","tags":[],"price":1.})",
    R"({"id":1,"name":"a","tags":[],"price":.5})", R"({"id":-,"name":"a","tags":[],"price":1})",
    R"({"id":1,"name":"a","tags":[],"price":1,})", R"({"id":1,"name":"a","tags":[],"price":1}x)",
    R"({"id":1,"name":"a","tags":[],"price":1)", R"({"id":1,"name":"a	b","tags":[],"price":1})",
    R"({"items":[{"id":0,"name":"i","tags":["a","b"],"price":0.5},{"id":1,"name":"j","tags":[],"price":1.5}],"total":2})",
    R"({"items":[{"id":0,"name":"i","tags":["a","b"],"price":0.5},{"id":1,"name":"j","tags":[]}],"total":2})",
    R"({"items":[],"total":true})", R"({"items":{},"total":1})",
    R"({"n":5})", R"({"n":0})", R"({"n":5,"s":"ab","e":"x","o":null})", R"({"n":5,"s":"b"})", R"({"n":5,"e":"z"})",
    R"({"n":5,"q":1})", R"({"n":5.5})", R"({"n":true})",
    R"([0.5,1])", R"([0.3])", R"([])", R"([1,2,3,4])", R"([true,false])", R"([true,true])",
    R"({"a":1,"b":2})", R"({"a":1,"b":2,"c":3})", R"({})", R"({"a":"x"})",
    R"({"a":{"b":[[1],[]]},"zz":0})", R"({"a":{"b":[1]},"zz":0})", R"({"a":{}})",
    R"({"u":"c892496f-b1fd-4b91-bdb8-b46f92df1716","d":"2024-01-02"})", R"({"u":"nope"})", R"({"d":"2024-13-02"})",
    R"(1)", R"("x")", R"(null)", R"([[[[[[1]]]]]])", R"({"a":[{"b":[{"c":[{}]}]}]})", "", "  ", R"({"a":tru})",
    R"({"a":nul})", R"({"a":falsey})", R"({"":1})",
};

}  // namespace

TEST_CASE("a body passes in one pass only if the document's checks take it as sent", "[json_pass]") {
  std::size_t passed = 0, cases = 0;
  for (std::string text : schemas) {
    if (auto at = text.find("ITEM"); at != std::string::npos) text.replace(at, 4, item);
    rapidjson::Document json;
    json.Parse(text.c_str());
    REQUIRE_FALSE(json.HasParseError());
    schema compiled(json);
    for (dialect how : {dialect::pydantic, dialect::json_schema})
      for (std::size_t depth : {std::size_t(2), std::size_t(3), std::size_t(64)})
        for (std::string_view body : bodies) {
          INFO(text << "\n" << body << "\ndepth " << depth);
          std::string copy(body);
          const bool one_pass = passes_as_sent(copy.data(), compiled.root(), how, depth);
          if (one_pass) CHECK(document_takes_as_sent(compiled.root(), how, body, depth));
          passed += one_pass, ++cases;
        }
  }
  CHECK(passed > cases / 10);  // and it does take many
}

TEST_CASE("the usual typed bodies pass in one pass", "[json_pass]") {
  rapidjson::Document json;
  json.Parse(item);
  schema compiled(json);
  for (const char* body : {R"({"id":1,"name":"a","tags":["x","y"],"price":0.5})",
                           R"({"price":0.5,"tags":["x"],"name":"a b c d e f g h","id":-1})",
                           R"( { "id" : 1 , "name" : "a" , "tags" : [ ] , "price" : 1e2 , "extra" : [{"k":null}] } )"}) {
    INFO(body);
    std::string copy(body);
    CHECK(passes_as_sent(copy.data(), compiled.root(), dialect::pydantic, 64));
  }
  // Not too deep for the bound: a member of an object of the root is two levels down.
  std::string deeper = R"({"id":1,"name":"a","tags":["x"],"price":1})", shallow = R"({"id":1,"name":"a","tags":[],"price":1})";
  CHECK_FALSE(passes_as_sent(deeper.data(), compiled.root(), dialect::pydantic, 2));
  CHECK(passes_as_sent(shallow.data(), compiled.root(), dialect::pydantic, 2));
}
