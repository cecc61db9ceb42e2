#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace snasio::http {

/// `t` as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), as Date and Last-Modified say it.
std::string imf_date(std::time_t t);

/// The time an IMF-fixdate names (If-Modified-Since); false for any other
/// text (the obsolete forms RFC 9110 allows a recipient to ignore included).
bool parse_imf_date(std::string_view text, std::time_t& t);

/// The value of the Date header, formatted at most once per second.
class date_cache {
 public:
  /// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
  std::string_view now();

 private:
  std::time_t second_ = -1;
  std::string text_;
};

}  // namespace snasio::http
