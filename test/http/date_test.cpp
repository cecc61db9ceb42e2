// The Date header value: an IMF-fixdate (RFC 9110 5.6.7) of the current time.
#include "http/date.hpp"

#include <ctime>
#include <regex>
#include <string>

#include <catch2/catch.hpp>

TEST_CASE("date_cache gives the current time as an IMF-fixdate", "[date]") {
  snasio::http::date_cache cache;
  std::time_t before = std::time(nullptr);
  std::string text(cache.now());
  std::time_t after = std::time(nullptr);

  static const std::regex imf_fixdate(
      R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT)");
  REQUIRE(std::regex_match(text, imf_fixdate));

  // It reads back as a time between the two clock readings around the call.
  std::tm tm{};
  REQUIRE(strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) != nullptr);
  std::time_t parsed = timegm(&tm);
  CHECK(parsed >= before);
  CHECK(parsed <= after);
}

TEST_CASE("imf_date and parse_imf_date read each other; other forms are ignored", "[date]") {
  using snasio::http::imf_date;
  using snasio::http::parse_imf_date;
  std::time_t t = 0;
  REQUIRE(parse_imf_date("Sun, 06 Nov 1994 08:49:37 GMT", t));
  CHECK(t == 784111777);
  CHECK(imf_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(parse_imf_date(imf_date(1'700'000'000), t));
  CHECK(t == 1'700'000'000);
  for (const char* bad : {"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
                          "Sun, -6 Nov 1994 08:49:37 GMT"})
    CHECK_FALSE(parse_imf_date(bad, t));
}

TEST_CASE("parse_imf_date refuses what is almost a date", "[date]") {
  using snasio::http::parse_imf_date;
  std::time_t t = 0;
  for (const char* bad : {"Sun; 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMX", "Sun, 06 nov 1994 08:49:37 GMT",
                          "Sun, 06 ovN 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:60:37 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
                          "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:3x GMT", "Sun, 06 NovX1994 08:49:37 GMT"})
    CHECK_FALSE(parse_imf_date(bad, t));
}

TEST_CASE("imf_date agrees with gmtime and strftime, leap days and the ends of its range included", "[date]") {
  auto reference = [](std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    return std::string(buf, std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm));
  };
  // Every 7 hours and 13 seconds from 1970 to past 2100 (not a leap year), and instants that matter.
  for (std::time_t t = 0; t < 4'200'000'000; t += 7 * 3600 + 13) REQUIRE(snasio::http::imf_date(t) == reference(t));
  for (std::time_t t : std::initializer_list<std::time_t>{951'782'400, 951'868'799, 1'709'164'800, 4'107'542'400, 253'402'300'799})
    CHECK(snasio::http::imf_date(t) == reference(t));  // 29 Feb 2000 and 2024, 1 Mar 2100, the last second of 9999
  CHECK(snasio::http::imf_date(-5) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(snasio::http::imf_date(253'402'300'800) == "Fri, 31 Dec 9999 23:59:59 GMT");
}
