#include "http/form.hpp"

#include <catch2/catch.hpp>

using snasio::http::form;
using snasio::http::form_refusal;
using snasio::http::limits;
using snasio::http::split_form;

namespace {

limits small(std::size_t fields, std::size_t parts) {
  limits l;
  l.max_form_fields = fields;
  l.max_form_parts = parts;
  return l;
}

std::string multipart(int parts) {
  std::string body;
  for (int i = 0; i < parts; ++i)
    body += "--XyZ\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) + "\"\r\n\r\nv\r\n";
  return body + "--XyZ--\r\n";
}

}  // namespace

TEST_CASE("an url-encoded body is split into decoded fields up to --max-form-fields", "[form]") {
  form f;
  form_refusal refused;
  REQUIRE(split_form("application/x-www-form-urlencoded; charset=utf-8", "a=1&b=x+y&c=%41", small(3, 3), f, refused));
  CHECK(f.fields == std::vector<snasio::http::query_pair>{{"a", "1"}, {"b", "x y"}, {"c", "A"}});
  CHECK(f.parts.empty());
}

TEST_CASE("one field more than --max-form-fields is refused 413 with the reason", "[form]") {
  form f;
  form_refusal refused;
  CHECK_FALSE(split_form("application/x-www-form-urlencoded", "a=1&b=2&c=3&d=4", small(3, 3), f, refused));
  CHECK(refused.status == 413);
  CHECK(refused.reason == "the form has more than 3 fields (--max-form-fields)");
  // Splitting stops at the first field past the limit, however many follow.
  std::string huge;
  for (int i = 0; i < 100000; ++i) huge += "x=1&";
  form g;
  CHECK_FALSE(split_form("application/x-www-form-urlencoded", huge, small(3, 3), g, refused));
  CHECK(g.fields.size() == 4);
}

TEST_CASE("a multipart body is split into parts up to --max-form-parts", "[form]") {
  form f;
  form_refusal refused;
  std::string body = multipart(2);
  REQUIRE(split_form("multipart/form-data; boundary=XyZ", body, small(3, 2), f, refused));
  REQUIRE(f.parts.size() == 2);
  CHECK(f.parts[1].name == "f1");
  CHECK(f.parts[1].data == "v");
  form g;
  body = multipart(3);
  CHECK_FALSE(split_form("multipart/form-data; boundary=XyZ", body, small(3, 2), g, refused));
  CHECK(refused.status == 413);
  CHECK(refused.reason == "the form has more than 2 parts (--max-form-parts)");
}

TEST_CASE("a malformed multipart body is refused 400, other bodies are left alone", "[form]") {
  form f;
  form_refusal refused;
  CHECK_FALSE(split_form("multipart/form-data; boundary=XyZ", "--XyZ\r\nno end", small(3, 3), f, refused));
  CHECK(refused.status == 400);
  CHECK_FALSE(refused.reason.empty());
  form g;
  CHECK(split_form("application/json", "{\"a\": 1}", small(3, 3), g, refused));
  CHECK(split_form("multipart/form-data", "", small(3, 3), g, refused));  // no body: nothing to split
  CHECK(g.fields.empty());
  CHECK(g.parts.empty());
}
