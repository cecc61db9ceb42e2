#include "routing/rule.hpp"

#include <algorithm>

namespace snasio::routing {

bool rule::registered(std::string_view method) const {
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

// werkzeug adds HEAD to a rule that has GET; Flask adds OPTIONS to every rule
// and answers it itself unless the view registered OPTIONS. Both are mirrored.
bool rule::accepts(std::string_view method) const {
  if (registered(method)) return true;
  if (method == "HEAD") return registered("GET");
  return method == "OPTIONS";
}

void rule::append_served(std::pmr::vector<std::string_view>& out) const {
  out.insert(out.end(), methods.begin(), methods.end());
  if (registered("GET")) out.push_back("HEAD");
  out.push_back("OPTIONS");
}

}  // namespace snasio::routing
