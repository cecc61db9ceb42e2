#include "http/request.hpp"

namespace snasio::http {

std::string_view request::raw_path() const noexcept {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view request::raw_query() const noexcept {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

}  // namespace snasio::http
