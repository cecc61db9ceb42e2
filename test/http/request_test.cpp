// What a handler sees of a request's target: its path and its query.
#include "http/request.hpp"

#include <catch2/catch.hpp>

TEST_CASE("an absolute-form target is served as its path", "[request]") {
  snasio::http::request r;
  r.target = "http://example.com:8080/a/b?x=1";
  CHECK(r.raw_path() == "/a/b");
  CHECK(r.raw_query() == "x=1");
  r.target = "HTTPS://example.com";
  CHECK(r.raw_path() == "/");
  r.target = "http://example.com?q";
  CHECK(r.raw_path() == "/");
  CHECK(r.raw_query() == "q");
  r.target = "/plain?y";
  CHECK(r.raw_path() == "/plain");
}
