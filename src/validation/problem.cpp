// RFC 9457 problem details, as the server answers a request it refuses
// before any handler: the 422 of typed checks, the 415 of a body's type.
#include "validation/route_validator.hpp"

namespace snasio::validation {

namespace {
constexpr std::string_view problem_base = "https://snasio.dev/problems/";
}  // namespace

std::string problem(std::string_view slug, std::string_view title, int status, std::string_view detail,
                    std::string_view extra) {
  std::string out = "{\"type\":" + quoted(std::string(problem_base) + std::string(slug)) + ",\"title\":" + quoted(title) +
                    ",\"status\":" + std::to_string(status) + ",\"detail\":" + quoted(detail);
  if (!extra.empty()) out += "," + std::string(extra);
  return out + "}";
}

std::string validation_problem(const std::vector<error>& errors) {
  std::string list = "\"errors\":[";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    const error& e = errors[i];
    list += (i ? ",{\"type\":" : "{\"type\":") + quoted(e.type) + ",\"loc\":[";
    for (std::size_t j = 0; j < e.loc.size(); ++j) list += (j ? "," : "") + e.loc[j];
    list += "],\"msg\":" + quoted(e.msg);
    if (!e.input.empty()) list += ",\"input\":" + e.input;
    if (!e.ctx.empty()) list += ",\"ctx\":" + e.ctx;
    list += "}";
  }
  list += "]";
  std::string detail = std::to_string(errors.size()) + (errors.size() == 1 ? " validation error" : " validation errors") +
                       " in request";
  return problem("validation-error", "Request Validation Failed", 422, detail, list);
}

}  // namespace snasio::validation
