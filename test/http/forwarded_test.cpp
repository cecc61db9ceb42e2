#include "http/forwarded.hpp"

#include <catch2/catch.hpp>

using snasio::http::forwarded_origin;
using snasio::http::header_list;
using snasio::http::network;
using snasio::http::trusted_peers;

namespace {

trusted_peers nets(std::initializer_list<const char*> texts) {
  trusted_peers out;
  for (const char* t : texts) out.networks.push_back(*network::parse(t));
  return out;
}

bool is_trusted(std::string_view address, const trusted_peers& trusted) { return trusted.trusts(address); }

}  // namespace

TEST_CASE("networks parse addresses and CIDR blocks, IPv4 and IPv6", "[forwarded]") {
  CHECK(network::parse("127.0.0.1"));
  CHECK(network::parse("10.0.0.0/8"));
  CHECK(network::parse("::1"));
  CHECK(network::parse("2001:db8::/32"));
  CHECK_FALSE(network::parse("10.0.0.0/33"));
  CHECK_FALSE(network::parse("2001:db8::/129"));
  CHECK_FALSE(network::parse("10.0.0.0/"));
  CHECK_FALSE(network::parse("localhost"));
  CHECK_FALSE(network::parse(""));
  auto trusted = nets({"10.0.0.0/8", "192.168.1.7", "2001:db8::/32"});
  CHECK(is_trusted("10.200.3.4", trusted));
  CHECK(is_trusted("192.168.1.7", trusted));
  CHECK_FALSE(is_trusted("192.168.1.8", trusted));
  CHECK_FALSE(is_trusted("11.0.0.1", trusted));
  CHECK(is_trusted("2001:db8:1::5", trusted));
  CHECK_FALSE(is_trusted("2001:db9::5", trusted));
  CHECK_FALSE(is_trusted("not an address", trusted));
  CHECK(is_trusted("1.2.3.4", nets({"0.0.0.0/0"})));
  CHECK(is_trusted("10.1.2.3", nets({"10.1.2.0/23"})));
  CHECK_FALSE(is_trusted("10.1.4.3", nets({"10.1.2.0/23"})));
}

TEST_CASE("--forwarded-allow-ips: addresses, blocks, unix and *", "[forwarded]") {
  std::string bad;
  auto t = trusted_peers::parse("127.0.0.1, 10.0.0.0/8,unix", bad);
  REQUIRE(t);
  CHECK((t->unix_peers && !t->everyone && t->networks.size() == 2));
  CHECK(t->trusts("10.9.9.9"));
  CHECK_FALSE(t->trusts("11.0.0.1"));
  CHECK(t->to_string() == "unix,127.0.0.1,10.0.0.0/8");
  auto all = trusted_peers::parse("*", bad);
  REQUIRE(all);
  CHECK((all->everyone && all->trusts("203.0.113.9") && all->to_string() == "*"));
  CHECK_FALSE(trusted_peers::parse("127.0.0.1,localhost", bad));
  CHECK(bad == "localhost");
  auto none = trusted_peers::parse("", bad);
  REQUIRE(none);
  CHECK_FALSE(none->trusts("127.0.0.1"));
  CHECK(none->to_string().empty());
  CHECK(nets({"::1"}).to_string() == "::1");
}

TEST_CASE("the client is the rightmost forwarded address that is not trusted", "[forwarded]") {
  auto trusted = nets({"127.0.0.1", "10.0.0.0/8"});
  auto o = forwarded_origin({{"X-Forwarded-For", "6.6.6.6, 1.2.3.4, 10.0.0.2"}, {"X-Forwarded-Proto", "https"}},
                            "127.0.0.1", 5000, trusted);
  CHECK(o.host == "1.2.3.4");  // 6.6.6.6 is whatever the client claimed
  CHECK(o.port == 0);
  CHECK(o.https);
  // Several headers are one list, in order.
  o = forwarded_origin({{"X-Forwarded-For", "1.2.3.4"}, {"x-forwarded-for", "10.0.0.3"}}, "127.0.0.1", 5000, trusted);
  CHECK(o.host == "1.2.3.4");
  CHECK(!o.https);
  // Every hop trusted: the leftmost is the client.
  CHECK(forwarded_origin({{"X-Forwarded-For", "10.0.0.9, 10.0.0.2"}}, "127.0.0.1", 1, trusted).host == "10.0.0.9");
  // No forwarding headers: the peer.
  o = forwarded_origin({}, "127.0.0.1", 5000, trusted);
  CHECK((o.host == "127.0.0.1" && o.port == 5000 && !o.https));
  // A scheme that is neither http nor https is ignored.
  CHECK(!forwarded_origin({{"X-Forwarded-Proto", "gopher"}}, "127.0.0.1", 1, trusted).https);
}

TEST_CASE("Forwarded (RFC 7239) is read when there is no X-Forwarded-For", "[forwarded]") {
  auto trusted = nets({"127.0.0.1"});
  auto o = forwarded_origin({{"Forwarded", R"(for="[2001:db8:cafe::17]:4711";proto=https, for=127.0.0.1)"}},
                            "127.0.0.1", 5000, trusted);
  CHECK(o.host == "2001:db8:cafe::17");
  CHECK(o.port == 4711);
  CHECK(o.https);
  o = forwarded_origin({{"Forwarded", "for=192.0.2.60:80;proto=http;by=203.0.113.43"}}, "127.0.0.1", 5000, trusted);
  CHECK((o.host == "192.0.2.60" && o.port == 80 && !o.https));
  // X-Forwarded-For wins when both are there.
  CHECK(forwarded_origin({{"Forwarded", "for=5.5.5.5"}, {"X-Forwarded-For", "1.2.3.4"}}, "127.0.0.1", 1, trusted).host ==
        "1.2.3.4");
}

TEST_CASE("a request without forwarding headers is seen as such", "[forwarded]") {
  using snasio::http::has_forwarding;
  CHECK_FALSE(has_forwarding({{"Host", "x"}, {"X-Forwarded-Host", "y"}}));
  CHECK(has_forwarding({{"x-forwarded-for", "1.2.3.4"}}));
  CHECK(has_forwarding({{"X-FORWARDED-PROTO", "https"}}));
  CHECK(has_forwarding({{"forwarded", "for=1.2.3.4"}}));
}
