#include "http/cookie.hpp"

#include <catch2/catch.hpp>

using snasio::http::cookie_pairs;

TEST_CASE("a Cookie header's pairs, in order, values unquoted as http.cookies quotes them", "[cookie]") {
  using pairs = std::vector<std::pair<std::string, std::string>>;
  CHECK(cookie_pairs("a=1; b=2") == pairs{{"a", "1"}, {"b", "2"}});
  CHECK(cookie_pairs(" a = x ;b=;c") == pairs{{"a", "x"}, {"b", ""}});  // "c" has no value: not a pair
  CHECK(cookie_pairs(R"(user="Ada Lovelace")") == pairs{{"user", "Ada Lovelace"}});
  CHECK(cookie_pairs(R"(q="say \"hi\" \\ok")") == pairs{{"q", R"(say "hi" \ok)"}});
  CHECK(cookie_pairs(R"(e="caf\303\251")") == pairs{{"e", "caf\xc3\xa9"}});
  CHECK(cookie_pairs(R"(o="\4x\377")") == pairs{{"o", "4x\xff"}});   // \4x is no octal escape: the 4 stays
  CHECK(cookie_pairs(R"(t="a\")") == pairs{{"t", "a\\"}});            // a backslash at the end stays
  CHECK(cookie_pairs(R"(h="x)") == pairs{{"h", "\"x"}});              // half-quoted: as it is
  CHECK(cookie_pairs("=1; ;; x=2") == pairs{{"x", "2"}});
  CHECK(cookie_pairs("").empty());
}
