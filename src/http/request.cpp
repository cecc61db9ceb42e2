#include "http/request.hpp"

namespace snasio::http {

std::string_view request::raw_path() const noexcept {
  std::string_view t = target;
  t = t.substr(0, t.find('?'));
  if (t.empty() || t.front() == '/') return t;  // origin-form, as nearly every request is
  // An absolute-form target ("http://host/path", RFC 9112 3.2.2) is served
  // as its path; the server is the host it names.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (t.size() >= scheme.size() && iequals(t.substr(0, scheme.size()), scheme)) {
      std::size_t slash = t.find('/', scheme.size());
      return slash == std::string_view::npos ? std::string_view("/") : t.substr(slash);
    }
  }
  return t;
}

std::string_view request::raw_query() const noexcept {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

}  // namespace snasio::http
