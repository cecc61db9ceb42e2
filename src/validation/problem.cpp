// RFC 9457 problem details, as the server answers a request it refuses
// before any handler: the 422 of typed checks, the 415 of a body's type.
#include "validation/route_validator.hpp"

namespace snasio::validation {

namespace {
constexpr std::string_view problem_base = "https://snasio.dev/problems/";
}  // namespace

// `slug`, `title` and each error's type are the server's own words (ASCII,
// nothing to escape), written as they are; the rest is quoted.
std::string problem(std::string_view slug, std::string_view title, int status, std::string_view detail,
                    std::string_view extra) {
  std::string out;
  out.reserve(128 + detail.size() + extra.size());
  out.append("{\"type\":\"").append(problem_base).append(slug).append("\",\"title\":\"").append(title);
  out.append("\",\"status\":").append(std::to_string(status)).append(",\"detail\":").append(quoted(detail));
  if (!extra.empty()) out.append(",").append(extra);
  return out += '}';
}

std::string validation_problem(const std::vector<error>& errors) {
  std::string list = "\"errors\":[";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    const error& e = errors[i];
    list.append(i ? ",{\"type\":\"" : "{\"type\":\"").append(e.type).append("\",\"loc\":[");
    for (std::size_t j = 0; j < e.loc.size(); ++j) list.append(j ? "," : "").append(e.loc[j]);
    list.append("],\"msg\":").append(quoted(e.msg));
    if (!e.input.empty()) list.append(",\"input\":").append(e.input);
    if (!e.ctx.empty()) list.append(",\"ctx\":").append(e.ctx);
    list += '}';
  }
  list += ']';
  std::string detail = std::to_string(errors.size()) + (errors.size() == 1 ? " validation error" : " validation errors") +
                       " in request";
  return problem("validation-error", "Request Validation Failed", 422, detail, list);
}

}  // namespace snasio::validation
