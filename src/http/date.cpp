#include "http/date.hpp"

#include <cstdio>

namespace snasio::http {

std::string imf_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  return std::string(buf, std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm));
}

bool parse_imf_date(std::string_view text, std::time_t& t) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters exactly.
  static constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (text.size() != 29 || text[3] != ',' || !text.ends_with(" GMT")) return false;
  char month[4] = {};
  std::tm tm{};
  std::string copy(text);
  int used = 0;
  if (std::sscanf(copy.c_str() + 5, "%2d %3c %4d %2d:%2d:%2d GMT%n", &tm.tm_mday, month, &tm.tm_year, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &used) != 6 || used != 24)
    return false;
  std::size_t m = months.find(std::string_view(month, 3));
  if (m == std::string_view::npos || m % 3 != 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60)
    return false;
  tm.tm_mon = int(m / 3);
  tm.tm_year -= 1900;
  t = timegm(&tm);
  return t != -1;
}

std::string_view date_cache::now() {
  // time() is a vDSO call; formatting is the costly part, so it happens only
  // when the second changes, not once per response.
  std::time_t t = std::time(nullptr);
  if (t != second_) {
    text_ = imf_date(t);
    second_ = t;
  }
  return text_;
}

}  // namespace snasio::http
