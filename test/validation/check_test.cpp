#include "validation/check.hpp"

#include <catch2/catch.hpp>

#include <tuple>

#include "validation/formats.hpp"

using namespace snasio::validation;

namespace {

struct judged {
  std::vector<error> errors;
  std::string value;  // the value as converted, JSON
};

judged judge(std::string_view schema_json, std::string_view value_json, dialect d = dialect::pydantic,
             bool from_text = false) {
  rapidjson::Document s;
  s.Parse(schema_json.data(), schema_json.size());
  REQUIRE_FALSE(s.HasParseError());
  schema compiled(s);
  rapidjson::Document v;
  v.Parse(value_json.data(), value_json.size());
  REQUIRE_FALSE(v.HasParseError());
  judged out;
  checker c(d, v.GetAllocator(), out.errors);
  c.check(compiled.root(), v, place{nullptr, "body"}, from_text);
  out.value = json_text(v);
  return out;
}

std::string only(const judged& j) {
  REQUIRE(j.errors.size() == 1);
  const error& e = j.errors[0];
  return e.type + " [" + e.loc + "] " + e.msg + " input=" + e.input + " ctx=" + e.ctx;
}

}  // namespace

TEST_CASE("text is converted to the type the schema wants, or refused as pydantic says", "[check]") {
  CHECK(judge(R"({"type":"integer"})", R"("0123")", dialect::pydantic, true).value == "123");
  CHECK(judge(R"({"type":"integer"})", R"("7.0")", dialect::pydantic, true).value == "7");
  CHECK(judge(R"({"type":"number"})", R"("1.5e-3")", dialect::pydantic, true).value == "0.0015");
  CHECK(judge(R"({"type":"boolean"})", R"("True")", dialect::pydantic, true).value == "true");
  CHECK(only(judge(R"({"type":"integer"})", R"("baz")", dialect::pydantic, true)) ==
        R"(int_parsing ["body"] Input should be a valid integer, unable to parse string as an integer input="baz" ctx=)");
  CHECK(only(judge(R"({"type":"boolean"})", R"("maybe")", dialect::pydantic, true)) ==
        R"(bool_parsing ["body"] Input should be a valid boolean, unable to interpret input input="maybe" ctx=)");
  CHECK(only(judge(R"({"type":"integer"})", "4.5")) ==
        R"(int_from_float ["body"] Input should be a valid integer, got a number with a fractional part input=4.5 ctx=)");
  CHECK(only(judge(R"({"type":"string"})", "123")) == R"(string_type ["body"] Input should be a valid string input=123 ctx=)");
}

TEST_CASE("constraints speak pydantic's language, or a JSON Schema validator's", "[check]") {
  CHECK(only(judge(R"({"type":"string","minLength":3})", R"("ab")")) ==
        R"(string_too_short ["body"] String should have at least 3 characters input="ab" ctx={"min_length":3})");
  CHECK(only(judge(R"({"type":"string","minLength":3})", R"("ab")", dialect::json_schema)) ==
        R"(validation_error ["body"] String length must be at least 3 input= ctx={"min_length":3,"actual_length":2})");
  CHECK(only(judge(R"({"type":"integer","exclusiveMinimum":0})", "-10")) ==
        R"(greater_than ["body"] Input should be greater than 0 input=-10 ctx={"gt":0})");
  CHECK(only(judge(R"({"type":"integer","maximum":100})", R"("101")", dialect::json_schema, true)) ==
        R"(validation_error ["body"] Value must not exceed 100 input= ctx={"maximum":100,"value":101})");
  CHECK(only(judge(R"({"type":"string","pattern":"^[A-Z]{3}$"})", R"("abc")")) ==
        R"(string_pattern_mismatch ["body"] String should match pattern '^[A-Z]{3}$' input="abc" ctx={"pattern":"^[A-Z]{3}$"})");
  CHECK(only(judge(R"({"type":"array","items":{"type":"string"},"maxItems":1})", R"(["a","b"])")) ==
        R"(too_long ["body"] List should have at most 1 item after validation input=["a","b"] ctx={"max_length":1})");
  CHECK(only(judge(R"({"type":"string","enum":["a","b","c"]})", R"("d")")) ==
        R"(enum ["body"] Input should be 'a', 'b' or 'c' input="d" ctx={"expected":"'a', 'b' or 'c'"})");
  CHECK(only(judge(R"({"type":"array","items":{"type":"integer"},"uniqueItems":true})", R"(["1","2","2"])",
                   dialect::json_schema, true)) ==
        R"(validation_error ["body"] Array items must be unique input= ctx={"unique_items":true,"duplicate_value":2,"duplicate_index":2})");
}

TEST_CASE("objects: every error, in property order, missing ones quoting the object", "[check]") {
  auto j = judge(R"({"type":"object","required":["a","b","c"],"properties":{
      "c":{"type":"string","minLength":2},"a":{"type":"integer"},"b":{"type":"string"}}})",
                 R"({"a":"x","c":"y"})");
  REQUIRE(j.errors.size() == 3);
  CHECK(j.errors[0].type == "int_parsing");
  CHECK(j.errors[1].type == "missing");
  CHECK(j.errors[1].input == R"({"a":"x","c":"y"})");
  CHECK(j.errors[1].loc == R"("body","b")");
  CHECK(j.errors[2].type == "string_too_short");
  CHECK(only(judge(R"({"type":"object","properties":{"a":{}},"additionalProperties":false})", R"({"a":1,"b":2})")) ==
        R"(extra_forbidden ["body","b"] Extra inputs are not permitted input=2 ctx=)");
}

TEST_CASE("combinations and constants are judged as JSON Schema judges them", "[check]") {
  CHECK(only(judge(R"({"oneOf":[{"required":["a"]},{"required":["b"]}]})", R"({"c":1})", dialect::json_schema)) ==
        R"(validation_error ["body"] {"c":1} is not valid under any of the schemas listed in the 'oneOf' keyword input={"c":1} ctx=)");
  CHECK(only(judge(R"({"not":{"enum":["admin"]}})", R"("admin")", dialect::json_schema)) ==
        R"(validation_error ["body"] {"enum":["admin"]} is not allowed for "admin" input="admin" ctx=)");
  CHECK(only(judge(R"({"const":"1.0"})", R"("2.0")", dialect::json_schema)) ==
        R"(validation_error ["body"] "1.0" was expected input="2.0" ctx=)");
  CHECK(judge(R"({"allOf":[{"required":["a"]},{"required":["b"]}]})", R"({"a":1,"b":2})").errors.empty());
  CHECK(judge(R"({"anyOf":[{"required":["a"]},{"required":["b"]}]})", R"({"b":2})").errors.empty());
  CHECK(judge(R"({"properties":{"p":{"$ref":"#/definitions/P"}},"definitions":{"P":{"type":"integer","minimum":0}}})",
              R"({"p":-1})").errors.size() == 1);
}

TEST_CASE("formats", "[formats]") {
  CHECK(in_format(format::uuid, "c892496f-b1fd-4b91-bdb8-b46f92df1716"));
  CHECK_FALSE(in_format(format::uuid, "not-a-uuid"));
  CHECK(in_format(format::uuid, "e8b5a51d-11c8-3310-a6ab-367563f20686", 3));
  CHECK_FALSE(in_format(format::uuid, "e8b5a51d-11c8-3310-a6ab-367563f20686", 4));
  CHECK(in_format(format::date, "2024-02-29"));
  CHECK_FALSE(in_format(format::date, "2023-02-29"));
  CHECK_FALSE(in_format(format::date, "2025-13-45"));
  CHECK(in_format(format::date_time, "2024-01-15T10:30:00Z"));
  CHECK(in_format(format::date_time, "2024-01-15T10:30:00.123+02:00"));
  CHECK_FALSE(in_format(format::date_time, "not-a-datetime"));
  CHECK(in_format(format::email, "user@example.com"));
  CHECK_FALSE(in_format(format::email, "not-an-email"));
  CHECK(in_format(format::ipv4, "192.168.1.1"));
  CHECK_FALSE(in_format(format::ipv4, "256.1.1.1"));
  CHECK(in_format(format::ipv6, "2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
  CHECK(in_format(format::uri, "https://example.com/path?query=value"));
  CHECK_FALSE(in_format(format::uri, "not a uri"));
  CHECK(in_format(format::hostname, "api.example.com"));
  CHECK(in_format(format::duration, "P1DT2H30M"));
  CHECK(in_format(format::decimal, "19.99"));
}

TEST_CASE("every keyword that judges a value is checked beside a type alone, in an object's member too", "[check]") {
  // A node whose value has nothing to judge skips those checks: a keyword
  // left out of that decision would pass every value unseen.
  const std::pair<const char*, const char*> cases[] = {
      {R"("type":"string","minLength":3)", R"("ab")"},      {R"("type":"string","maxLength":1)", R"("ab")"},
      {R"("type":"string","pattern":"^x")", R"("ab")"},      {R"("type":"string","format":"email")", R"("ab")"},
      {R"("type":"number","minimum":3)", "2"},               {R"("type":"number","maximum":1)", "2"},
      {R"("type":"number","exclusiveMinimum":2)", "2"},      {R"("type":"number","exclusiveMaximum":2)", "2"},
      {R"("type":"number","multipleOf":3)", "2"},            {R"("type":"number","const":3)", "2"},
      {R"("type":"number","enum":[1,3])", "2"},              {R"("type":"number","allOf":[{"minimum":3}])", "2"},
      {R"("type":"number","anyOf":[{"minimum":3}])", "2"},   {R"("type":"number","oneOf":[{"minimum":3}])", "2"},
      {R"("type":"number","not":{"maximum":3})", "2"},
  };
  for (auto [keywords, value] : cases) {
    INFO(keywords);
    CHECK(judge(std::string("{") + keywords + "}", value).errors.size() == 1);
    CHECK(judge(std::string(R"({"type":"object","properties":{"a":{)") + keywords + "}}}",
                std::string(R"({"a":)") + value + "}").errors.size() == 1);
  }
  CHECK(judge(R"({"type":"object","properties":{"a":false}})", R"({"a":2})").errors.size() == 1);
  CHECK(judge(R"({"type":"object","properties":{"a":{"type":"number"}}})", R"({"a":2})").errors.empty());
}

TEST_CASE("a member or an item is checked unless it is a scalar of a type its node takes as it is", "[check]") {
  // (Members and items that fit skip the call to check(): a value that needs
  // converting or refusing must not be taken for one that fits.)
  const std::tuple<const char*, const char*, const char*, std::size_t> cases[] = {
      // type, value, the value as the handler gets it, errors
      {"integer", "4.5", "4.5", 1}, {"integer", "7.0", "7", 0},    {"integer", "7", "7", 0},
      {"number", "7", "7", 0},      {"number", "true", "true", 1}, {"boolean", "1", "true", 0},
      {"string", "123", "123", 1},  {"integer", "null", "null", 1}, {"string", R"("x")", R"("x")", 0},
  };
  for (auto [type, value, converted, errors] : cases) {
    INFO(type << " given " << value);
    judged member = judge(std::string(R"({"type":"object","properties":{"a":{"type":")") + type + R"("}}})",
                          std::string(R"({"a":)") + value + "}");
    CHECK(member.errors.size() == errors);
    if (!errors) CHECK(member.value == std::string(R"({"a":)") + converted + "}");
    judged item = judge(std::string(R"({"type":"array","items":{"type":")") + type + R"("}})",
                        std::string("[") + value + "]");
    CHECK(item.errors.size() == errors);
    if (!errors) CHECK(item.value == std::string("[") + converted + "]");
  }
}

TEST_CASE("quoted() writes any text as a JSON string, ill-formed UTF-8 as U+FFFD", "[check]") {
  CHECK(quoted("plain") == "\"plain\"");
  CHECK(quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quoted(std::string("\n\x01\x1f", 3)) == R"("\u000a\u0001\u001f")");
  CHECK(quoted("caf\xc3\xa9 \xe2\x82\xac") == "\"caf\xc3\xa9 \xe2\x82\xac\"");
  CHECK(quoted("a\xff" "b\xc3") == "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"");
}

TEST_CASE("quoted() skips plain text eight bytes at a time and still sees every byte that needs care", "[check]") {
  // Each byte that is not written as it is, at every place in texts long
  // enough for one, two and three words, with plain bytes on either side
  // that sit at the edges of the tests (' ', '!', '#', '[', ']', 0x7f).
  auto one_at_a_time = [](std::string_view text) {  // what quoted() must write for these texts
    std::string out = "\"";
    for (unsigned char c : text) {
      if (c == '"' || c == '\\') out.append(1, '\\').append(1, char(c));
      else if (c < 0x20) out += "\\u00", out += "0123456789abcdef"[c >> 4], out += "0123456789abcdef"[c & 15];
      else if (c >= 0x80) out += "\xEF\xBF\xBD";  // alone, no such byte begins a sequence
      else out += char(c);
    }
    return out + '"';
  };
  const std::string plain = " !#[]\x7f~azAZ09";
  int compared = 0;
  for (std::size_t size = 1; size <= 24; ++size)
    for (std::size_t at = 0; at < size; ++at)
      for (char special : {'"', '\\', '\0', '\x1f', '\x80', '\xff'}) {
        std::string text;
        for (std::size_t i = 0; i < size; ++i) text += plain[(i + size) % plain.size()];
        text[at] = special;
        REQUIRE(quoted(text) == one_at_a_time(text));
        ++compared;
      }
  CHECK(compared == 6 * 24 * 25 / 2);
  CHECK(quoted(std::string(40, 'x')) == '"' + std::string(40, 'x') + '"');
}

TEST_CASE("arrays and objects in JSON Schema's words: sizes, uniqueness, dependencies, extras", "[check]") {
  auto first = [](const judged& j) {
    REQUIRE_FALSE(j.errors.empty());
    return j.errors[0].type + ": " + j.errors[0].msg;
  };
  const auto js = dialect::json_schema;
  CHECK(first(judge(R"({"type":"array","minItems":2})", "[1]", js)) ==
        "validation_error: Array must contain at least 2 items");
  CHECK(first(judge(R"({"type":"array","maxItems":1})", "[1,2]", js)) ==
        "validation_error: Array must not contain more than 1 items");
  CHECK(first(judge(R"({"type":"array","maxItems":1})", "[1,2]")) == "too_long: List should have at most 1 item after validation");
  CHECK(first(judge(R"({"type":"array","uniqueItems":true})", "[1,2,1]", js)) == "validation_error: Array items must be unique");
  CHECK(judge(R"({"type":"array","uniqueItems":true})", "[1,2,3]", js).errors.empty());
  CHECK(first(judge(R"({"type":"object","minProperties":2})", R"({"a":1})", js)) ==
        R"(validation_error: {"a":1} has less than 2 properties)");
  CHECK(first(judge(R"({"type":"object","maxProperties":1})", R"({"a":1,"b":2})", js)) ==
        R"(validation_error: {"a":1,"b":2} has more than 1 property)");
  CHECK(first(judge(R"({"type":"object","dependentRequired":{"card":["cvv"]}})", R"({"card":"x"})", js)) ==
        R"(validation_error: "cvv" is a required property)");
  CHECK(judge(R"({"type":"object","dependentRequired":{"card":["cvv"]}})", R"({"other":1})", js).errors.empty());
  CHECK(first(judge(R"({"type":"object","properties":{"a":{}},"additionalProperties":false})", R"({"a":1,"b":2})", js)) ==
        "validation_error: Additional properties are not allowed");
  CHECK(first(judge(R"({"type":"object","properties":{"a":{}},"additionalProperties":false})", R"({"a":1,"b":2})")) ==
        "extra_forbidden: Extra inputs are not permitted");
  CHECK(first(judge(R"({"type":"object","additionalProperties":{"type":"integer"}})", R"({"b":"x"})")) ==
        "int_parsing: Input should be a valid integer, unable to parse string as an integer");
  CHECK(first(judge(R"({"type":"object","required":["z"]})", R"({})")) == "missing: Field required");
  CHECK(first(judge(R"({"enum":[1,2]})", "3", js)) == "validation_error: 3 is not one of [1,2]");
  CHECK(first(judge(R"({"const":"a"})", R"("b")", js)) == R"(validation_error: "a" was expected)");
  CHECK(first(judge(R"({"anyOf":[{"type":"string"},{"type":"null"}]})", "1", js)).find("'anyOf'") != std::string::npos);
  CHECK(first(judge(R"({"oneOf":[{"type":"integer"},{"minimum":0}]})", "1", js)).find("more than one") != std::string::npos);
  CHECK(first(judge(R"({"not":{"type":"string"}})", R"("x")", js)).find("is not allowed for") != std::string::npos);
  CHECK(judge(R"({"allOf":[{"type":"integer"},{"minimum":0}]})", "1", js).errors.empty());
  CHECK(judge(R"(false)", "1", js).errors.size() == 1);
  CHECK(judge(R"(true)", "1", js).errors.empty());
}

TEST_CASE("uniqueItems: equal by value, whatever the order of members, and linear in a long array", "[check]") {
  const auto js = dialect::json_schema;
  const char* unique = R"({"type":"array","uniqueItems":true})";
  CHECK(judge(unique, R"([1, 1.0])", js).errors.size() == 1);
  CHECK(judge(unique, R"([{"a":1,"b":2}, {"b":2,"a":1}])", js).errors.size() == 1);
  CHECK(judge(unique, R"([[1,2], [2,1], "1", 1, null, false, true])", js).errors.empty());
  CHECK(judge(unique, R"([0, 1, 2, 1])", js).errors[0].ctx == R"({"unique_items":true,"duplicate_value":1,"duplicate_index":3})");
  // 200,000 distinct items: compared pairwise this would be 2e10 comparisons.
  std::string many = "[";
  for (int i = 0; i < 200000; ++i) many += std::to_string(i) + ",";
  many.back() = ']';
  CHECK(judge(unique, many, js).errors.empty());
}
