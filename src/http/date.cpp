#include "http/date.hpp"

#include <algorithm>
#include <cstdio>

namespace snasio::http {

std::string imf_date(std::time_t t) {
  // By hand, not gmtime_r and strftime: a static file's Last-Modified is
  // made per request. Days to a civil date as in Howard Hinnant's
  // civil_from_days (eras of 400 years, years starting in March).
  t = std::clamp<std::time_t>(t, 0, 253402300799);  // an IMF-fixdate has four digits of year
  const long long days = t / 86400, secs = t % 86400;
  const long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  const int day = int(doy - (153 * mp + 2) / 5 + 1), month = int(mp < 10 ? mp + 3 : mp - 9);
  const int year = int(yoe + era * 400 + (month <= 2));
  static constexpr std::string_view weekdays = "ThuFriSatSunMonTueWed";  // 1 January 1970 was a Thursday
  static constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::string out = "Thu, 01 Jan 1970 00:00:00 GMT";
  auto put = [&out](std::size_t at, long long value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10) out[at + std::size_t(i)] = char('0' + value % 10);
  };
  out.replace(0, 3, weekdays.substr(std::size_t(days % 7) * 3, 3));
  put(5, day, 2);
  out.replace(8, 3, months.substr(std::size_t(month - 1) * 3, 3));
  put(12, year, 4);
  put(17, secs / 3600, 2);
  put(20, secs / 60 % 60, 2);
  put(23, secs % 60, 2);
  return out;
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
