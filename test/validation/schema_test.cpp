// The edges of the validator: every way a schema is refused at start-up, and
// each format's accepted and refused forms.
#include "validation/check.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

#include "validation/formats.hpp"
#include "validation/text.hpp"

using namespace snasio::validation;

namespace {

// What compiling `json` says: "" when it compiles.
std::string refusal_of(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  REQUIRE_FALSE(d.HasParseError());
  try {
    schema s(d);
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("a schema the checker cannot honour is refused at start-up, saying why", "[schema]") {
  const std::pair<const char*, const char*> refused[] = {
      {R"({"type":7})", "type"},
      {R"({"type":"nothing"})", "nothing"},
      {R"({"type":["string",3]})", "type"},
      {R"({"pattern":3})", "pattern must be a string"},
      {R"({"pattern":"(a"})", "pattern '(a'"},
      {R"({"pattern":"^(a)\\1$"})", "invalid escape"},
      {R"({"format":1})", "format must be a string"},
      {R"({"minimum":"1"})", "minimum"},
      {R"({"maximum":true})", "maximum"},
      {R"({"multipleOf":0})", "multipleOf must be greater than 0"},
      {R"({"minItems":-1})", "minItems"},
      {R"({"maxLength":1.5})", "maxLength"},
      {R"({"properties":[]})", "properties must be an object"},
      {R"({"properties":{"a":{"type":"string"},"b":{},"a":{"minLength":3}}})", "property 'a' is declared twice"},
      {R"({"required":[1]})", "required"},
      {R"({"enum":[]})", "enum must be a non-empty array"},
      {R"({"anyOf":[]})", "anyOf must be a non-empty array"},
      {R"({"oneOf":{}})", "oneOf must be a non-empty array"},
      {R"({"dependencies":[]})", "dependencies must be an object"},
      {R"({"dependentRequired":{"a":{"type":"string"}}})", "only lists of names"},
      {R"({"items":[{"type":"string"}]})", "a list of schemas is not supported"},
      {R"({"$ref":"#/$defs/missing"})", "names no definition"},
      {R"({"$ref":"other.json#/a"})", "only #/definitions/"},
      {R"({"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/a"}}})", "nested too deeply"},
      {R"({"patternProperties":{"a":{}}})", "keyword 'patternProperties' is not supported"},
      {R"({"if":{},"then":{}})", "keyword 'if' is not supported"},
      {R"({"prefixItems":[{}]})", "keyword 'prefixItems' is not supported"},
      {R"({"properties":{"a":{"contains":{}}}})", "keyword 'contains' is not supported"},
  };
  for (auto [json, why] : refused) {
    INFO(json);
    std::string said = refusal_of(json);
    CHECK(said.find(why) != std::string::npos);
    CHECK(said.starts_with("bad schema: "));
  }
  // What only annotates, or what JSON Schema leaves open, compiles.
  for (const char* fine : {R"({"title":"t","description":"d","examples":[1],"default":2})", R"(true)", R"(false)",
                           R"({"format":"no-such-format"})", R"({"required":true})",
                           R"({"$ref":"#/definitions/a","definitions":{"a":{"type":"integer"}}})",
                           R"({"type":["string","null"],"uniqueItems":true,"minProperties":1,"maxProperties":3})"}) {
    INFO(fine);
    CHECK(refusal_of(fine).empty());
  }
}

TEST_CASE("each format, accepted and refused", "[formats]") {
  struct sample {
    format f;
    const char* text;
    bool in;
  };
  const sample samples[] = {
      {format::uuid, "C892496FB1FD4B91BDB8B46F92DF1716", true},    {format::uuid, "c892496f-b1fd-4b91-bdb8-b46f92df171", false},
      {format::uuid, "c892496f+b1fd-4b91-bdb8-b46f92df1716", false}, {format::uuid, "g892496fb1fd4b91bdb8b46f92df1716", false},
      {format::date, "2000-02-29", true},   {format::date, "1900-02-29", false}, {format::date, "2024-1-01", false},
      {format::date, "2024-00-10", false},  {format::date, "2024-04-31", false},
      {format::time, "10:30", true},        {format::time, "10:30:59.5", true},  {format::time, "10:30:00-05:00", true},
      {format::time, "24:00", false},       {format::time, "10:60", false},      {format::time, "10:30:61", false},
      {format::time, "10:30:00.", false},   {format::time, "10:30:00Zx", false}, {format::time, "10:30:00+5", false},
      {format::time, "10:30:00+24:00", false}, {format::time, "10:30x", false},  {format::time, "1:30", false},
      {format::date_time, "2024-01-15t10:30:00z", false}, {format::date_time, "2024-01-15 10:30:00", true},
      {format::date_time, "2024-01-15X10:30:00", false},  {format::date_time, "2024-01-15", false},
      {format::email, "a.b+c@sub.example.org", true}, {format::email, "@example.com", false},
      {format::email, "a@b@example.com", false},      {format::email, "a@localhost", false},
      {format::email, "a b@example.com", false},      {format::email, "a@-bad-.com", false},
      {format::ipv4, "0.0.0.0", true},   {format::ipv4, "1.2.3", false},     {format::ipv4, "01.2.3.4", false},
      {format::ipv4, "1.2.3.4.5", false}, {format::ipv4, "1..3.4", false},   {format::ipv4, "a.b.c.d", false},
      {format::ipv6, "::1", true},       {format::ipv6, "2001:db8::g", false}, {format::ipv6, "1111111111111111111111111111111111111111111111111111111111", false},
      {format::uri, "urn:isbn:0451450523", true}, {format::uri, ":nothing", false}, {format::uri, "1http://x", false},
      {format::uri, "ht tp://x", false},  {format::uri, "http:", false},     {format::uri, "http://x\x7f", false},
      {format::hostname, "a-b.example", true}, {format::hostname, "", false}, {format::hostname, "-a.example", false},
      {format::hostname, "a-.example", false}, {format::hostname, "a..example", false}, {format::hostname, "a_b.example", false},
      {format::duration, "PT0.5S", true}, {format::duration, "P1Y2M3W4D", true}, {format::duration, "P", false},
      {format::duration, "PT", false},    {format::duration, "P1DT", false},  {format::duration, "PT1D", false},
      {format::duration, "P1", false},    {format::duration, "PTT1H", false}, {format::duration, "1D", false},
      {format::decimal, "-0.5", true},    {format::decimal, "+3", true},      {format::decimal, ".5", true},
      {format::decimal, "5.", false},     {format::decimal, "", false},       {format::decimal, "1e5", false},
      {format::none, "anything", true},   {format::binary, "\x01", true},
  };
  for (const auto& s : samples) {
    INFO(s.text);
    CHECK(in_format(s.f, s.text) == s.in);
  }
}

TEST_CASE("text read as numbers and booleans, as pydantic reads a string", "[text]") {
  std::int64_t i = 0;
  CHECK((text_to_integer(" 0123 ", i) && i == 123));
  CHECK((text_to_integer("+7.000", i) && i == 7));
  CHECK((text_to_integer("1_000_000", i) && i == 1000000));
  CHECK((text_to_integer("-42", i) && i == -42));
  for (const char* no : {"", " ", "7.5", "1__0", "_1", "1_", "+", "1e3", "99999999999999999999", "0x10", "1 2"}) {
    INFO(no);
    CHECK_FALSE(text_to_integer(no, i));
  }
  double d = 0;
  CHECK((text_to_number("+1.5e3", d) && d == 1500));
  CHECK((text_to_number("\t-0.25\n", d) && d == -0.25));
  for (const char* no : {"", "abc", "1.5x", "inf", "nan", "1e999"}) {
    INFO(no);
    CHECK_FALSE(text_to_number(no, d));
  }
  bool b = false;
  for (const char* yes : {"true", "TRUE", " on ", "1", "yes", "t", "Y"}) {
    INFO(yes);
    CHECK((text_to_boolean(yes, b) && b));
  }
  for (const char* no : {"false", "Off", "0", "no", "f", "N"}) {
    INFO(no);
    CHECK((text_to_boolean(no, b) && !b));
  }
  CHECK_FALSE(text_to_boolean("maybe", b));
  CHECK(code_points("h\xc3\xa9llo \xe2\x82\xac") == 7);
  CHECK(plural(1, "item") == "1 item");
  CHECK(plural(3, "item") == "3 items");
}
