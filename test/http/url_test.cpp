#include "http/url.hpp"

#include <catch2/catch.hpp>

using snasio::http::decode_query_component;
using snasio::http::next_query_pair;
using snasio::http::parse_query;
using snasio::http::percent_decode_path;
using snasio::http::plain_query_component;
using snasio::http::query_pair;
using pairs = std::vector<query_pair>;

TEST_CASE("percent_decode_path decodes escapes, slashes included", "[url]") {
  CHECK(percent_decode_path("/a%20b") == "/a b");
  CHECK(percent_decode_path("/a%2Fb") == "/a/b");
  CHECK(percent_decode_path("/a%2fb") == "/a/b");
  CHECK(percent_decode_path("/a+b") == "/a+b");
  CHECK(percent_decode_path("/%C3%A9") == "/\xC3\xA9");
  CHECK(percent_decode_path("/%FF%00") == std::string("/\xFF\0", 3));
  CHECK(percent_decode_path("") == "");
}

TEST_CASE("percent_decode_path refuses malformed escapes", "[url]") {
  CHECK_FALSE(percent_decode_path("/%zz"));
  CHECK_FALSE(percent_decode_path("/%4"));
  CHECK_FALSE(percent_decode_path("/%"));
  CHECK_FALSE(percent_decode_path("/%4g"));
  CHECK_FALSE(percent_decode_path("/ok/%g4/"));
}

TEST_CASE("parse_query splits, decodes and keeps order", "[url]") {
  CHECK(parse_query("a=1&b=x+y") == pairs{{"a", "1"}, {"b", "x y"}});
  CHECK(parse_query("") == pairs{});
  CHECK(parse_query("&&a=1&&") == pairs{{"a", "1"}});
  CHECK(parse_query("flag&k=") == pairs{{"flag", ""}, {"k", ""}});
  CHECK(parse_query("k=a=b") == pairs{{"k", "a=b"}});
  CHECK(parse_query("=v") == pairs{{"", "v"}});
  CHECK(parse_query("a=1&a=2") == pairs{{"a", "1"}, {"a", "2"}});
  CHECK(parse_query("q=%41%2b%26") == pairs{{"q", "A+&"}});
  CHECK(parse_query("k%3D=v%3D") == pairs{{"k=", "v="}});
  CHECK(parse_query("x=%FF") == pairs{{"x", "\xFF"}});
}

TEST_CASE("next_query_pair gives each pair as written, and which texts need no decoding", "[url]") {
  std::string_view rest = "&a=1&&flag&k%3D=v+w&", key, value;
  std::vector<std::pair<std::string_view, std::string_view>> seen;
  while (next_query_pair(rest, key, value)) seen.emplace_back(key, value);
  CHECK(seen == std::vector<std::pair<std::string_view, std::string_view>>{{"a", "1"}, {"flag", ""}, {"k%3D", "v+w"}});
  CHECK(seen[1].second.data() != nullptr);  // an empty value is still a place in the query, as C APIs expect
  CHECK(plain_query_component("abc-._~"));
  CHECK_FALSE(plain_query_component("a+b"));
  CHECK_FALSE(plain_query_component("a%20b"));
  CHECK(decode_query_component("a+b%20c%zz") == "a b c%zz");
}

TEST_CASE("parse_query keeps malformed escapes literally", "[url]") {
  CHECK(parse_query("a=%zz&b=%4&c=%") == pairs{{"a", "%zz"}, {"b", "%4"}, {"c", "%"}});
  CHECK(parse_query("a=100%25&b=%%41") == pairs{{"a", "100%"}, {"b", "%A"}});
}
