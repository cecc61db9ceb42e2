#include "http/date.hpp"

namespace snasio::http {

std::string_view date_cache::now() {
  // time() is a vDSO call; formatting is the costly part, so it happens only
  // when the second changes, not once per response.
  std::time_t t = std::time(nullptr);
  if (t != second_) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text_.assign(buf, n);
    second_ = t;
  }
  return text_;
}

}  // namespace snasio::http
