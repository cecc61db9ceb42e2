#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace snasio::http {

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
