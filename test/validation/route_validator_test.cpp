#include "validation/route_validator.hpp"
#include "validation/json_walk.hpp"
#include "validation/schema.hpp"

#include <catch2/catch.hpp>

using namespace snasio::validation;

namespace {

struct fake_request {
  std::vector<std::pair<std::string_view, std::string_view>> path;
  std::string query;
  snasio::http::header_list headers;
  std::string body;
  snasio::http::form form;

  outcome judged_by(const route_validator& v) const { return v.validate({path, query, headers, body, form}); }
};

}  // namespace

TEST_CASE("parameters from the query, path, headers and cookies are converted and checked", "[route]") {
  route_validator v(R"({"dialect":"pydantic","params":[
      {"in":"path","key":"id","required":true,"schema":{"type":"integer"}},
      {"in":"query","key":"q","required":false,"schema":{"type":"string","maxLength":5}},
      {"in":"query","key":"ids","required":false,"many":true,"schema":{"type":"array","items":{"type":"integer"}}},
      {"in":"header","key":"x-token","required":true,"schema":{"type":"string"}},
      {"in":"cookie","key":"session","required":false,"schema":{"type":"string"}}]})",
                    64);
  fake_request r{{{"id", "42"}}, "q=abc&ids=1&ids=2", {{"X-Token", "t"}, {"Cookie", "a=1; session=\"s 1\""}}, "", {}};
  outcome ok = r.judged_by(v);
  REQUIRE(ok.status == 0);
  REQUIRE(ok.values.size() == 5);
  CHECK(ok.values[0].k == value::kind::integer);
  CHECK(ok.values[0].integer == 42);
  CHECK(ok.values[1].text == "abc");
  CHECK(ok.values[2].text == "[1,2]");
  CHECK(ok.values[3].text == "t");
  CHECK(ok.values[4].text == "s 1");

  fake_request bad{{{"id", "x"}}, "q=toolong", {}, "", {}};
  outcome refused = bad.judged_by(v);
  CHECK(refused.status == 422);
  CHECK(refused.content_type == "application/problem+json");
  CHECK(refused.body ==
        R"({"type":"https://snasio.dev/problems/validation-error","title":"Request Validation Failed","status":422,)"
        R"("detail":"3 validation errors in request","errors":[)"
        R"({"type":"int_parsing","loc":["path","id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"},)"
        R"({"type":"string_too_long","loc":["query","q"],"msg":"String should have at most 5 characters","input":"toolong","ctx":{"max_length":5}},)"
        R"({"type":"missing","loc":["headers","x-token"],"msg":"Field required","input":null}]})");
}

TEST_CASE("query keys and values are decoded as werkzeug decodes them, escaped or plain", "[route]") {
  route_validator v(R"({"dialect":"pydantic","params":[
      {"in":"query","key":"q s","required":true,"schema":{"type":"string"}},
      {"in":"query","key":"ids","required":false,"many":true,"schema":{"type":"array","items":{"type":"string"}}},
      {"in":"query","key":"n","required":true,"schema":{"type":"integer"}}]})",
                    64);
  // Every value but the last repeated one is dropped for a single parameter;
  // a many parameter keeps each, plain and escaped alike, in order.
  fake_request r{{}, "q+s=first&q%20s=a+b%26c&ids=%41&ids=b&ids=c%2Bd&ids=e+f&ids=g&ids=h&ids=i&ids=j&ids=%4B&%6E=1_000",
                 {}, "", {}};
  outcome ok = r.judged_by(v);
  REQUIRE(ok.status == 0);
  CHECK(ok.values[0].text == "a b&c");
  CHECK(ok.values[1].text == R"(["A","b","c+d","e f","g","h","i","j","K"])");
  CHECK(ok.values[2].integer == 1000);
  // A key without '=' has the empty text.
  outcome flag = fake_request{{}, "q+s&n=2", {}, "", {}}.judged_by(v);
  REQUIRE(flag.status == 0);
  CHECK(flag.values[0].k == value::kind::string);
  CHECK(flag.values[0].text.empty());
  // A key escaped differently is still the same key; a bad escape stays as written.
  CHECK(fake_request{{}, "q%2Bs=x&q s=y&n=%zz", {}, "", {}}.judged_by(v).body.find(R"("input":"%zz")") !=
        std::string::npos);
}

TEST_CASE("a many parameter with a separator splits each of its texts", "[route]") {
  route_validator v(R"({"params":[{"in":"query","key":"tags","required":false,"many":true,
      "schema":{"type":"array","separator":"||","items":{"type":"string"}}}]})",
                    64);
  CHECK(fake_request{{}, "tags=a||b&tags=c&tags=d||||e||", {}, "", {}}.judged_by(v).values[0].text ==
        R"(["a","b","c","d","","e",""])");
}

TEST_CASE("a JSON body is checked, and refused with 415 when it is not JSON or not UTF-8", "[route]") {
  route_validator v(R"({"params":[],"body":{"media":"json","required":true,
      "schema":{"type":"object","required":["price"],"properties":{"price":{"type":"number"}}}}})",
                    64);
  fake_request ok{{}, "", {{"Content-Type", "application/json"}}, R"({"price":"3.5"})", {}};
  outcome o = ok.judged_by(v);
  REQUIRE(o.status == 0);
  CHECK(o.values[0].text == R"({"price":3.5})");
  CHECK(fake_request{{}, "", {{"Content-Type", "text/plain"}}, "{}", {}}.judged_by(v).status == 415);
  outcome charset = fake_request{{}, "", {{"Content-Type", "application/json; charset=utf-16"}}, "{}", {}}.judged_by(v);
  CHECK(charset.status == 415);
  CHECK(charset.body.find("Unsupported charset 'utf-16' for JSON") != std::string::npos);
  CHECK(fake_request{{}, "", {}, "{", {}}.judged_by(v).status == 400);
  CHECK(fake_request{{}, "", {}, "", {}}.judged_by(v).status == 422);
}

TEST_CASE("a form becomes one object: repeated and bracketed names make arrays", "[route]") {
  route_validator v(R"({"params":[],"body":{"media":"form","required":true,"schema":{"type":"object",
      "properties":{"tags":{"type":"array","items":{"type":"string"}},"age":{"type":"integer"}}}}})",
                    64);
  snasio::http::form f;
  f.fields = {{"tags[]", "a"}, {"tags[]", "b"}, {"age", "30"}};
  fake_request r{{}, "", {{"Content-Type", "application/x-www-form-urlencoded"}}, "x", f};
  outcome o = r.judged_by(v);
  REQUIRE(o.status == 0);
  CHECK(o.values[0].text == R"({"tags":["a","b"],"age":30})");
  f.fields = {{"tags[0]", "a"}, {"tags[2]", "c"}};
  outcome holes = fake_request{{}, "", {{"Content-Type", "application/x-www-form-urlencoded"}}, "x", f}.judged_by(v);
  CHECK(holes.status == 400);
  CHECK(holes.body == R"({"error":"Failed to parse URL-encoded form data: missing index, expected: 1 got 2"})");
}

TEST_CASE("a JSON number beyond a double's range is refused, never passed on as infinity", "[route]") {
  route_validator v(R"({"params":[],"body":{"media":"json","required":true,"schema":{"type":"object"}}})", 64);
  fake_request big{{}, "", {{"Content-Type", "application/json"}}, R"({"x":2.7976931348623157e+308})", {}};
  outcome o = big.judged_by(v);
  CHECK(o.status == 400);
  CHECK(o.body == R"({"error":"a number in the JSON body is too large for a double"})");
  fake_request fine{{}, "", {{"Content-Type", "application/json"}}, R"({"x":1.7976931348623157e+308})", {}};
  CHECK(fine.judged_by(v).status == 0);
}

TEST_CASE("twin members are judged as the handler reads them: the last one counts", "[route]") {
  route_validator v(R"({"params":[],"body":{"media":"json","required":true,
      "schema":{"type":"object","properties":{"age":{"type":"integer"}}}}})",
                    64);
  fake_request twins{{}, "", {{"Content-Type", "application/json"}}, R"({"age":5,"b":1,"age":"x"})", {}};
  outcome refused = twins.judged_by(v);
  CHECK(refused.status == 422);
  CHECK(refused.body.find(R"("loc":["body","age"])") != std::string::npos);
  fake_request fine{{}, "", {{"Content-Type", "application/json"}}, R"({"age":"x","b":1,"age":7})", {}};
  outcome o = fine.judged_by(v);
  REQUIRE(o.status == 0);
  CHECK(o.values[0].text == R"({"age":7,"b":1})");
}

TEST_CASE("a body the checks leave unchanged is handed on as sent, big integers and all", "[route]") {
  route_validator v(R"({"params":[],"body":{"media":"json","required":true,"schema":{"type":"object"}}})", 64);
  const std::string sent = R"({"id": 123456789012345678901234567890, "n": [1, 2.5]})";
  outcome o = fake_request{{}, "", {{"Content-Type", "application/json"}}, sent, {}}.judged_by(v);
  REQUIRE(o.status == 0);
  CHECK(o.values[0].k == value::kind::body);  // the request's own body, not a copy
  CHECK(o.values[0].text.empty());
}

TEST_CASE("parsing stops at the first value past the nesting bound; brackets inside strings do not count", "[route]") {
  auto parse = [](std::string text, std::size_t bound) {
    rapidjson::Document doc;
    parse_outcome out = parse_bounded(text.data(), doc, bound);
    return std::pair{out, out.error == rapidjson::kParseErrorNone ? json_text(doc) : std::string()};
  };
  // A container's items are a level below it: [[1]] is 3 levels, [[[]]] too.
  CHECK(parse("[[1]]", 3).second == "[[1]]");
  CHECK(parse("[[[]]]", 3).second == "[[[]]]");
  CHECK(parse(R"({"a":{"b":1}})", 3).second == R"({"a":{"b":1}})");
  for (const char* deeper : {"[[[1]]]", "[[[[]]]]", R"({"a":{"b":{"c":1}}})", R"([1,[2,[3,[4]]]])"}) {
    auto [out, _] = parse(deeper, 3);
    CHECK(out.too_deep);
    CHECK(out.error == rapidjson::kParseErrorTermination);
  }
  CHECK(parse(R"(["[[[[", "\"{{{{", {"\\": "]"}])", 3).second == R"(["[[[[","\"{{{{",{"\\":"]"}])");
  // Read from the left: a fault before the nesting is the fault reported.
  auto [early, _] = parse("[1,,[[[[[[", 3);
  CHECK_FALSE(early.too_deep);
  CHECK(early.error == rapidjson::kParseErrorValueInvalid);
  CHECK(early.offset == 3);
  CHECK(parse(R"("\u00e9\n")", 1).second == "\"\xc3\xa9\\n\"");  // unescaped in place, written back
  route_validator v(R"({"params":[],"body":{"media":"json","required":true,"schema":{}}})", 64);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  outcome o = fake_request{{}, "", {{"Content-Type", "application/json"}}, deep, {}}.judged_by(v);
  CHECK(o.status == 400);
  CHECK(o.body == R"({"error":"JSON nested deeper than 64 levels"})");
  const std::string quoted_brackets = "[\"" + std::string(100000, '[') + "\"]";
  CHECK(fake_request{{}, "", {{"Content-Type", "application/json"}}, quoted_brackets, {}}.judged_by(v).status == 0);
}

TEST_CASE("a JSON body with a NUL byte is refused where it is, whatever follows the value", "[route]") {
  // The parser reads a NUL as the end of its input: text after one must not pass unread.
  route_validator v(R"({"params":[],"body":{"media":"json","required":true,"schema":{"type":"object"}}})", 64);
  auto judge = [&](std::string body) { return fake_request{{}, "", {{"Content-Type", "application/json"}}, body, {}}.judged_by(v); };
  outcome after = judge(std::string("{\"a\":1}\0{\"b\":2}", 15));
  CHECK(after.status == 400);
  CHECK(after.body == R"({"error":"invalid JSON at offset 7: a NUL byte"})");
  CHECK(judge(std::string("{\"a\":\"x\0y\"}", 11)).status == 400);
  CHECK(judge(std::string("\0", 1)).status == 400);
  // Strings are unescaped in place; written again (twins merged), they are the strings sent.
  outcome escaped = judge(R"({"k":"\u00e9\n","b":["\"c\\"],"k":"\u00e9\t\"\\z"})");
  REQUIRE(escaped.status == 0);
  CHECK(escaped.values[0].text == "{\"k\":\"\xc3\xa9\\t\\\"\\\\z\",\"b\":[\"\\\"c\\\\\"]}");
}

TEST_CASE("twins are found in a large object too", "[route]") {
  route_validator v(R"({"params":[],"body":{"media":"json","required":true,"schema":{"type":"object"}}})", 64);
  std::string many = "{";
  for (int i = 0; i < 20; ++i) many += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  outcome distinct = fake_request{{}, "", {{"Content-Type", "application/json"}}, many + "\"z\":0}", {}}.judged_by(v);
  REQUIRE(distinct.status == 0);
  CHECK(distinct.values[0].k == value::kind::body);  // handed on as sent
  outcome twins = fake_request{{}, "", {{"Content-Type", "application/json"}}, many + "\"k3\":\"last\"}", {}}.judged_by(v);
  REQUIRE(twins.status == 0);
  CHECK(twins.values[0].text.find(R"("k3":"last","k4":4)") != std::string::npos);
  CHECK(twins.values[0].text.find(R"("k3":3)") == std::string::npos);
}
