// CORS decided on the reactor: preflights, refusals, the headers an allowed
// request's answer gets.
#include "middleware/cors.hpp"

#include <catch2/catch.hpp>

using namespace snasio;

namespace {
http::request request(std::string method, http::header_list headers) {
  http::request r;
  r.method = std::move(method);
  r.target = "/api";
  r.headers = std::move(headers);
  return r;
}

middleware::cors configured(middleware::cors_policy p) {
  middleware::cors c;
  c.configure(std::move(p));
  return c;
}
}  // namespace

TEST_CASE("a preflight from an allowed origin is answered 204 with what it may do", "[cors]") {
  middleware::cors_policy p;
  p.origins = {"https://app.example.com"};
  p.methods = {"GET", "POST"};
  p.headers = {"Content-Type", "X-Custom"};
  p.max_age = 3600;
  auto c = configured(p);
  http::header_list extra;
  auto r = c.decide(request("OPTIONS", {{"Origin", "https://app.example.com"},
                                        {"Access-Control-Request-Method", "POST"},
                                        {"Access-Control-Request-Headers", "content-type, x-custom"}}),
                    extra);
  REQUIRE(r);
  CHECK(r->status == 204);
  CHECK(http::find_header(r->headers, "Access-Control-Allow-Origin") == "https://app.example.com");
  CHECK(http::find_header(r->headers, "Access-Control-Allow-Methods") == "GET, POST");
  CHECK(http::find_header(r->headers, "Access-Control-Allow-Headers") == "content-type, x-custom");
  CHECK(http::find_header(r->headers, "Access-Control-Max-Age") == "3600");
  CHECK(http::find_header(r->headers, "Vary").empty());  // the server adds it
  CHECK(http::find_header(r->headers, "Access-Control-Allow-Private-Network").empty());
}

TEST_CASE("a preflight is refused 403 for an origin, a method or a header not allowed", "[cors]") {
  middleware::cors_policy p;
  p.origins = {"https://example.com"};
  p.methods = {"GET"};
  p.headers = {"Content-Type"};
  auto c = configured(p);
  auto ask = [&](std::string origin, std::string method, std::string headers) {
    http::header_list extra;
    return c.decide(request("OPTIONS", {{"Origin", origin}, {"Access-Control-Request-Method", method},
                                        {"Access-Control-Request-Headers", headers}}),
                    extra);
  };
  CHECK(ask("https://example.com", "GET", "Content-Type")->status == 204);
  CHECK(ask("https://EXAMPLE.COM", "GET", "")->status == 403);  // origins compare exactly
  CHECK(ask("https://example.com.evil.net", "GET", "")->status == 403);
  CHECK(ask("null", "GET", "")->status == 403);
  CHECK(ask("https://example.com", "DELETE", "")->status == 403);
  CHECK(ask("https://example.com", "GET", "Content-Type, X-Other")->status == 403);
  auto refused = ask("https://example.com", "DELETE", "");
  CHECK(refused->body.find("DELETE") != std::string::npos);
}

TEST_CASE("an actual request gets its headers, or 403; one without Origin nothing", "[cors]") {
  middleware::cors_policy p;
  p.origins = {"https://example.com"};
  p.expose = {"X-Total-Count", "X-Request-Id"};
  p.credentials = true;
  auto c = configured(p);
  http::header_list extra;
  CHECK_FALSE(c.decide(request("GET", {{"Origin", "https://example.com"}}), extra));
  CHECK(http::find_header(extra, "Access-Control-Allow-Origin") == "https://example.com");
  CHECK(http::find_header(extra, "Access-Control-Allow-Credentials") == "true");
  CHECK(http::find_header(extra, "Access-Control-Expose-Headers") == "X-Total-Count, X-Request-Id");
  CHECK(http::find_header(extra, "Vary").empty());  // every answer's: the server adds it (varies())
  CHECK(c.varies());

  extra.clear();
  auto r = c.decide(request("GET", {{"Origin", "https://evil.com"}}), extra);
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(r->body == R"({"error":"Origin 'https://evil.com' is not allowed"})");
  CHECK(http::find_header(r->headers, "Vary").empty());  // its own too: the server adds it (varies())

  extra.clear();
  CHECK_FALSE(c.decide(request("GET", {}), extra));
  CHECK(extra.empty());
}

TEST_CASE("a wildcard answers *, or the origin itself when credentials are allowed", "[cors]") {
  middleware::cors_policy p;
  p.origins = {"*"};
  auto c = configured(p);
  http::header_list extra;
  CHECK_FALSE(c.decide(request("GET", {{"Origin", "https://random.site"}}), extra));
  CHECK(http::find_header(extra, "Access-Control-Allow-Origin") == "*");
  CHECK_FALSE(c.varies());  // the same for every origin
  p.credentials = true;
  auto with_credentials = configured(p);
  extra.clear();
  CHECK_FALSE(with_credentials.decide(request("GET", {{"Origin", "https://random.site"}}), extra));
  CHECK(http::find_header(extra, "Access-Control-Allow-Origin") == "https://random.site");
  CHECK(with_credentials.varies());
}

TEST_CASE("origins may match a pattern (RE2, whole); a bad pattern is refused at start-up", "[cors]") {
  middleware::cors_policy p;
  p.origin_pattern = R"(https://[a-z0-9-]+\.example\.com)";
  p.private_network = true;
  auto c = configured(p);
  http::header_list extra;
  CHECK_FALSE(c.decide(request("GET", {{"Origin", "https://shop.example.com"}}), extra));
  CHECK(c.decide(request("GET", {{"Origin", "https://shop.example.com.evil"}}), extra)->status == 403);
  extra.clear();
  auto pre = c.decide(request("OPTIONS", {{"Origin", "https://a.example.com"}, {"Access-Control-Request-Method", "GET"},
                                          {"Access-Control-Request-Private-Network", "true"}}),
                      extra);
  CHECK(http::find_header(pre->headers, "Access-Control-Allow-Private-Network") == "true");
  p.origin_pattern = "(unclosed";
  middleware::cors bad;
  CHECK_THROWS_WITH(bad.configure(p), Catch::Contains("--cors-allow-origin-regex"));
}

TEST_CASE("with no origin configured, CORS is off", "[cors]") {
  middleware::cors c;
  CHECK_FALSE(c.enabled());
}

TEST_CASE("a request from the site's own origin is not cross-origin: never refused", "[cors]") {
  middleware::cors_policy p;
  p.origins = {"https://app.example"};
  auto c = configured(p);
  http::header_list extra;
  CHECK_FALSE(c.decide(request("POST", {{"Origin", "https://api.example:8443"}, {"Host", "api.example:8443"}}), extra));
  CHECK(http::find_header(extra, "Access-Control-Allow-Origin").empty());
  CHECK(c.decide(request("POST", {{"Origin", "https://evil.example"}, {"Host", "api.example:8443"}}), extra)->status ==
        403);
}

TEST_CASE("preflights: any header, empty names in the list, credentials with a wildcard", "[cors]") {
  middleware::cors_policy p;
  p.origins = {"*"};
  p.headers = {"*"};
  p.credentials = true;
  auto c = configured(p);
  http::header_list extra;
  auto r = c.decide(request("OPTIONS", {{"Origin", "https://x.example"}, {"Access-Control-Request-Method", "GET"},
                                        {"Access-Control-Request-Headers", " , X-Anything ,"}}),
                    extra);
  REQUIRE(r);
  CHECK(r->status == 204);
  CHECK(http::find_header(r->headers, "Access-Control-Allow-Origin") == "https://x.example");
  CHECK(http::find_header(r->headers, "Access-Control-Allow-Credentials") == "true");
  CHECK(http::find_header(r->headers, "Vary").empty());  // the server adds it
  middleware::cors_policy named;
  named.origins = {"https://a.example"};
  named.headers = {"X-One"};
  auto strict = configured(named);
  extra.clear();
  auto ok = strict.decide(request("OPTIONS", {{"Origin", "https://a.example"}, {"Access-Control-Request-Method", "GET"},
                                              {"Access-Control-Request-Headers", "x-one, , "}}),
                          extra);
  CHECK(ok->status == 204);
  extra.clear();
  CHECK_FALSE(strict.decide(request("OPTIONS", {{"Origin", "https://a.example"}}), extra));  // no method asked: not a preflight
}

TEST_CASE("a preflight asking for the private network gets no such answer unless allowed", "[cors]") {
  middleware::cors_policy p;
  p.origins = {"https://a.example"};
  auto c = configured(p);
  http::header_list extra;
  auto r = c.decide(request("OPTIONS", {{"Origin", "https://a.example"}, {"Access-Control-Request-Method", "GET"},
                                        {"Access-Control-Request-Private-Network", "true"}}),
                    extra);
  CHECK(r->status == 204);
  CHECK(http::find_header(r->headers, "Access-Control-Allow-Private-Network").empty());
  CHECK(http::find_header(r->headers, "Access-Control-Allow-Headers").empty());  // none asked: none said
}
