#include "routing/router.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using snasio::routing::match_result;
using snasio::routing::path_param;
using snasio::routing::pattern_error;
using snasio::routing::router;
using outcome = match_result::outcome;

namespace {

/// A router with one GET rule per pattern; rule i routes to target i.
router get_rules(const std::vector<std::string>& patterns) {
  router r;
  for (std::size_t i = 0; i < patterns.size(); ++i) r.add({"GET"}, patterns[i], i);
  return r;
}

/// The target a GET of `path` reaches, or -1 when it reaches none.
long target_of(const router& r, const std::string& path) {
  auto m = r.match("GET", path);
  return m.what == outcome::found ? static_cast<long>(m.target) : -1;
}

/// The single parameter of a GET match of `path`; fails the test when there is none.
path_param only_param(const router& r, const std::string& path) {
  auto m = r.match("GET", path);
  REQUIRE(m.what == outcome::found);
  REQUIRE(m.params.size() == 1);
  return m.params[0];
}

/// Checks that adding `pattern` (after `r`'s rules) throws pattern_error naming it and `reason`.
void check_rejected(const std::string& pattern, const std::string& reason, router r = {},
                    std::vector<std::string> methods = {"GET"}) {
  try {
    r.add(std::move(methods), pattern, 0);
    FAIL_CHECK("accepted " << pattern);
  } catch (const pattern_error& e) {
    CHECK_THAT(std::string(e.what()), Catch::Matchers::Contains(pattern) && Catch::Matchers::Contains(reason));
  }
}

}  // namespace

TEST_CASE("static rules match exactly", "[router]") {
  auto r = get_rules({"/", "/hello", "/hello/world"});
  CHECK(target_of(r, "/") == 0);
  CHECK(target_of(r, "/hello") == 1);
  CHECK(target_of(r, "/hello/world") == 2);
  CHECK(target_of(r, "/nope") == -1);
  CHECK(target_of(r, "/hello/") == -1);  // no slash guessing for a rule without '/'
  CHECK(target_of(r, "//hello") == -1);  // slashes are not merged
  CHECK(r.match("GET", "hello").what == outcome::not_found);
}

TEST_CASE("string converter takes one non-empty segment", "[router][converter]") {
  auto r = get_rules({"/users/<name>", "/tags/<string:tag>"});
  auto p = only_param(r, "/users/bob");
  CHECK(p.name == "name");
  CHECK(p.type == path_param::kind::string);
  CHECK(p.text == "bob");
  CHECK(only_param(r, "/tags/a b%").text == "a b%");
  CHECK(target_of(r, "/users/") == -1);
  CHECK(target_of(r, "/users/a/b") == -1);
}

TEST_CASE("string lengths count characters, not bytes", "[router][converter]") {
  auto r = get_rules({"/x/<string(length=2):code>", "/y/<string(minlength=2, maxlength=3):s>"});
  CHECK(only_param(r, "/x/\xC3\xA9\xC3\xA9").text == "\xC3\xA9\xC3\xA9");
  CHECK(target_of(r, "/x/abc") == -1);
  CHECK(target_of(r, "/y/a") == -1);
  CHECK(target_of(r, "/y/abc") == 1);
  CHECK(target_of(r, "/y/abcd") == -1);
}

TEST_CASE("int converter: digits of any size in canonical form", "[router][converter]") {
  auto r = get_rules({"/n/<int:id>", "/s/<int(signed=True):id>", "/f/<int(fixed_digits=3):id>"});
  auto p = only_param(r, "/n/007");
  CHECK(p.type == path_param::kind::integer);
  CHECK(p.text == "7");
  CHECK(only_param(r, "/n/0").text == "0");
  const std::string big = "123456789012345678901234567890123456789";
  CHECK(only_param(r, "/n/" + big).text == big);
  CHECK(target_of(r, "/n/-1") == -1);
  CHECK(target_of(r, "/n/1.5") == -1);
  CHECK(target_of(r, "/n/x1") == -1);
  CHECK(only_param(r, "/s/-12").text == "-12");
  CHECK(only_param(r, "/s/-000").text == "0");
  CHECK(only_param(r, "/s/" + big).text == big);
  CHECK(only_param(r, "/s/-" + big).text == "-" + big);
  CHECK(only_param(r, "/f/012").text == "12");
  CHECK(target_of(r, "/f/12") == -1);
}

TEST_CASE("int bounds compare big integers exactly", "[router][converter]") {
  auto r = get_rules({"/<int(min=-5, max=99999999999999999999999, signed=True):v>"});
  CHECK(target_of(r, "/99999999999999999999999") == 0);
  CHECK(target_of(r, "/100000000000000000000000") == -1);
  CHECK(target_of(r, "/-5") == 0);
  CHECK(target_of(r, "/-6") == -1);
}

TEST_CASE("float converter needs a fraction", "[router][converter]") {
  auto r = get_rules({"/f/<float:x>", "/s/<float(signed=True, max=0):x>"});
  auto p = only_param(r, "/f/1.5");
  CHECK(p.type == path_param::kind::floating);
  CHECK(p.number == 1.5);
  CHECK(p.text == "1.5");
  CHECK(target_of(r, "/f/1") == -1);
  CHECK(target_of(r, "/f/1e3") == -1);
  CHECK(target_of(r, "/f/.5") == -1);
  CHECK(target_of(r, "/f/-1.5") == -1);
  CHECK(only_param(r, "/s/-2.25").number == -2.25);
  CHECK(target_of(r, "/s/0.5") == -1);
  CHECK(only_param(r, "/f/" + std::string(400, '9') + ".0").number == HUGE_VAL);
}

TEST_CASE("path converter spans slashes, lazily", "[router][converter]") {
  auto r = get_rules({"/files/<path:p>", "/wiki/<path:page>/edit"});
  auto p = only_param(r, "/files/a/b/c.txt");
  CHECK(p.type == path_param::kind::path);
  CHECK(p.text == "a/b/c.txt");
  CHECK(only_param(r, "/files/a//b/").text == "a//b/");
  CHECK(target_of(r, "/files/") == -1);
  CHECK(target_of(r, "/files//a") == -1);
  CHECK(only_param(r, "/wiki/a/b/edit").text == "a/b");
  CHECK(only_param(r, "/wiki/edit/edit").text == "edit");
}

TEST_CASE("uuid converter gives the lower-case canonical form", "[router][converter]") {
  auto r = get_rules({"/o/<uuid:id>"});
  auto p = only_param(r, "/o/12345678-ABCD-1234-abcd-1234567890AB");
  CHECK(p.type == path_param::kind::uuid);
  CHECK(p.text == "12345678-abcd-1234-abcd-1234567890ab");
  CHECK(target_of(r, "/o/12345678-abcd-1234-abcd-1234567890a") == -1);
  CHECK(target_of(r, "/o/12345678abcd-1234-abcd-1234567890abc") == -1);
  CHECK(target_of(r, "/o/g2345678-abcd-1234-abcd-1234567890ab") == -1);
  CHECK(target_of(r, "/o/12345678-abcd-1234-abcd-1234567890-b") == -1);
  CHECK(target_of(r, "/o/12345678-abcd-1234-abcd-1234567890ab0") == -1);
}

TEST_CASE("several converters in one segment backtrack like a regex", "[router][converter]") {
  auto r = get_rules({"/<a>-<b>", "/v<int:major>.<int:minor>"});
  auto m = r.match("GET", "/x-y-z");
  REQUIRE(m.what == outcome::found);
  CHECK(m.params[0].text == "x-y");  // greedy first placeholder, as werkzeug
  CHECK(m.params[1].text == "z");
  m = r.match("GET", "/v12.3");
  REQUIRE(m.target == 1);
  CHECK(m.params[0].text == "12");
  CHECK(m.params[1].text == "3");
}

TEST_CASE("the most specific rule wins", "[router][specificity]") {
  SECTION("static beats converters, whatever the order") {
    auto r = get_rules({"/users/<name>", "/users/me"});
    CHECK(target_of(r, "/users/me") == 1);
    CHECK(target_of(r, "/users/you") == 0);
  }
  SECTION("numbers beat strings beat paths") {
    auto r = get_rules({"/<path:p>", "/<name>", "/<int:id>"});
    CHECK(target_of(r, "/5") == 2);
    CHECK(target_of(r, "/x") == 1);
    CHECK(target_of(r, "/x/y") == 0);
  }
  SECTION("static text inside a segment beats a bare converter") {
    auto r = get_rules({"/<name>", "/page<int:n>"});
    CHECK(target_of(r, "/page3") == 1);
    CHECK(target_of(r, "/pages") == 0);
  }
  SECTION("the search goes depth first, static branches first") {
    auto r = get_rules({"/<x>/c", "/a/<y>"});
    CHECK(target_of(r, "/a/c") == 1);
    CHECK(target_of(r, "/b/c") == 0);
  }
  SECTION("registration order breaks ties") {
    // string and uuid weigh the same: the earlier rule wins even for a uuid.
    auto r = get_rules({"/<a>", "/<uuid:u>", "/x/<uuid:u>", "/x/<b>"});
    CHECK(target_of(r, "/12345678-abcd-1234-abcd-1234567890ab") == 0);
    CHECK(target_of(r, "/x/12345678-abcd-1234-abcd-1234567890ab") == 2);
  }
}

TEST_CASE("methods: 405, HEAD through GET, OPTIONS", "[router][methods]") {
  router r;
  r.add({"GET", "POST"}, "/items", 0);
  r.add({"delete"}, "/items/<int:id>", 1);
  r.add({"PUT", "OPTIONS"}, "/custom", 2);
  r.add({}, "/default", 3);

  auto m = r.match("HEAD", "/items");
  CHECK(m.what == outcome::found);
  CHECK(m.target == 0);
  m = r.match("PATCH", "/items");
  CHECK(m.what == outcome::method_not_allowed);
  CHECK(m.allow == "GET, HEAD, OPTIONS, POST");
  m = r.match("OPTIONS", "/items");
  CHECK(m.what == outcome::options);
  CHECK(m.allow == "GET, HEAD, OPTIONS, POST");
  m = r.match("GET", "/items/3");
  CHECK(m.what == outcome::method_not_allowed);
  CHECK(m.allow == "DELETE, OPTIONS");
  CHECK(r.match("DELETE", "/items/3").target == 1);
  CHECK(r.match("HEAD", "/items/3").what == outcome::method_not_allowed);
  CHECK(r.match("OPTIONS", "/custom").what == outcome::found);  // registered: the handler answers
  CHECK(r.match("GET", "/default").what == outcome::found);
  CHECK(r.match("POST", "/nothing").what == outcome::not_found);
}

TEST_CASE("OPTIONS * lists every method the rules serve", "[router][methods]") {
  router r;
  CHECK(r.match("OPTIONS", "*").allow == "OPTIONS");  // no rule: OPTIONS itself still answers
  r.add({"GET", "POST"}, "/items", 0);
  r.add({"delete"}, "/items/<int:id>", 1);
  auto m = r.match("OPTIONS", "*");
  CHECK(m.what == outcome::options);
  CHECK(m.allow == "DELETE, GET, HEAD, OPTIONS, POST");
  CHECK(r.match("GET", "*").what == outcome::not_found);  // the parser refuses it first; no path either way
}

TEST_CASE("one path, several rules by method", "[router][methods]") {
  router r;
  r.add({"GET"}, "/thing/<int:id>", 0);
  r.add({"PUT"}, "/thing/<int:id>", 1);
  CHECK(r.match("GET", "/thing/1").target == 0);
  CHECK(r.match("PUT", "/thing/1").target == 1);
  CHECK(r.match("POST", "/thing/1").allow == "GET, HEAD, OPTIONS, PUT");
}

TEST_CASE("a rule ending in '/' redirects the path without it", "[router][redirect]") {
  router r;
  r.add({"GET"}, "/dir/", 0);
  r.add({"POST"}, "/post-only/", 1);
  CHECK(r.match("GET", "/dir").what == outcome::redirect);
  CHECK(r.match("HEAD", "/dir").what == outcome::redirect);
  CHECK(r.match("OPTIONS", "/dir").what == outcome::redirect);
  CHECK(r.match("GET", "/dir/").what == outcome::found);
  CHECK(r.match("GET", "/dir//").what == outcome::not_found);
  // As werkzeug: the redirect needs a method the slashed rule serves.
  CHECK(r.match("GET", "/post-only").what == outcome::not_found);
  CHECK(r.match("POST", "/post-only").what == outcome::redirect);
}

TEST_CASE("converters refuse values only after the rule is chosen", "[router][werkzeug]") {
  // werkzeug's to_python raises ValidationError once the int rule won: 404,
  // even though "/<y>" would have matched.
  auto r = get_rules({"/<int(max=5):x>", "/<y>"});
  CHECK(target_of(r, "/3") == 0);
  CHECK(r.match("GET", "/7").what == outcome::not_found);
  CHECK(target_of(r, "/seven") == 1);
}

TEST_CASE("ill-formed UTF-8 becomes U+FFFD as werkzeug sees it", "[router][utf8]") {
  auto r = get_rules({"/<name>", "/s/<string(length=2):two>"});
  CHECK(only_param(r, "/a\xFF" "b").text == "a\xEF\xBF\xBD" "b");
  CHECK(only_param(r, "/\xE2\x82").text == "\xEF\xBF\xBD");  // truncated sequence: one replacement
  CHECK(only_param(r, "/\xC0\xAF").text == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(only_param(r, "/s/\xFF\xFE").text == "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("bad patterns are refused, naming the pattern", "[router][errors]") {
  check_rejected("/a/<foo:x>", "unknown converter 'foo'");
  check_rejected("/<a>/<int:a>", "duplicate parameter name 'a'");
  check_rejected("/a/<b", "unbalanced '<'");
  check_rejected("/a/<b<c>>", "unbalanced '<'");
  check_rejected("/a/b>", "unbalanced '>'");
  check_rejected("a/b", "does not start with '/'");
  check_rejected("", "does not start with '/'");
  check_rejected("/<>", "malformed placeholder");
  check_rejected("/<1x>", "malformed placeholder");
  check_rejected("/<int(3)x>", "malformed placeholder");
  check_rejected("/<int(signed=yes):x>", "bad converter argument 'yes'");
  check_rejected("/<int(signed=1):x>", "signed must be True or False");
  check_rejected("/<int(min=1.5):x>", "int bounds must be integers");
  check_rejected("/<int(bogus=1):x>", "unknown converter argument 'bogus'");
  check_rejected("/<int(1, fixed_digits=2):x>", "given twice");
  check_rejected("/<float(1, 2, True, 4):x>", "too many converter arguments");
  check_rejected("/<string(length=0):x>", "at least 1");
  check_rejected("/<string(minlength=3, maxlength=2):x>", "maxlength is below minlength");
  check_rejected("/<path(1):x>", "too many converter arguments");
  check_rejected("/<uuid(a=1):x>", "unknown converter argument 'a'");
  check_rejected("/<int(,):x>", "empty converter argument");
  check_rejected("/\xFF", "not valid UTF-8");
}

TEST_CASE("identical rules are refused for a shared method only", "[router][errors]") {
  router r;
  r.add({"GET"}, "/x/<int:id>", 0);
  check_rejected("/x/<int:other>", "repeats '/x/<int:id>' for GET", get_rules({"/x/<int:id>"}), {"POST", "GET"});
  CHECK_NOTHROW(r.add({"POST"}, "/x/<int:other>", 1));
  CHECK_NOTHROW(r.add({"GET"}, "/x/<int(signed=True):id>", 2));  // matches other texts
  CHECK(r.routes().size() == 3);
  CHECK(r.match("GET", "/x/-1").target == 2);
}

TEST_CASE("routes() lists rules in registration order, as registered", "[router]") {
  router r;
  r.add({"post", "GET", "POST"}, "/b", 7);
  r.add({}, "/a/<int:id>", 3);
  auto routes = r.routes();
  REQUIRE(routes.size() == 2);
  CHECK(routes[0].pattern == "/b");
  CHECK(routes[0].methods == std::vector<std::string>{"POST", "GET"});
  CHECK(routes[0].target == 7);
  CHECK(routes[1].pattern == "/a/<int:id>");
  CHECK(routes[1].methods == std::vector<std::string>{"GET"});
}

TEST_CASE("a moved-from router is replaced whole", "[router]") {
  auto r = get_rules({"/a"});
  router moved = std::move(r);
  CHECK(target_of(moved, "/a") == 0);
}
