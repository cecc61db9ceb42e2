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
