// RFC 9457 problem details, as the server answers a request it refuses
// before any handler: the 422 of typed checks, the 415 of a body's type.
#include "validation/route_validator.hpp"

#include <charconv>

namespace snasio::validation {

namespace {

constexpr std::string_view problem_base = "https://snasio.dev/problems/";

// `slug`, `title` and each error's type are the server's own words (ASCII,
// nothing to escape), written as they are; the rest is quoted. Up to the
// status: the caller adds the detail, its other members and the closing brace.
std::string problem_open(std::string_view slug, std::string_view title, int status, std::size_t room) {
  std::string out;
  out.reserve(128 + room);
  out.append("{\"type\":\"").append(problem_base).append(slug).append("\",\"title\":\"").append(title);
  char digits[8];
  out.append("\",\"status\":").append(digits, std::to_chars(digits, digits + sizeof digits, status).ptr);
  return out;
}

}  // namespace

std::string problem(std::string_view slug, std::string_view title, int status, std::string_view detail,
                    std::string_view extra) {
  std::string out = problem_open(slug, title, status, detail.size() + extra.size());
  out.append(",\"detail\":");
  quote_into(out, detail);
  if (!extra.empty()) out.append(",").append(extra);
  out += '}';
  return out;
}

std::string validation_problem(const std::vector<error>& errors) {
  std::size_t room = 16;
  for (const error& e : errors) room += 64 + e.type.size() + e.loc.size() + e.msg.size() + e.input.size() + e.ctx.size();
  std::string out = problem_open("validation-error", "Request Validation Failed", 422, room);
  char digits[24];
  out.append(",\"detail\":\"").append(digits, std::to_chars(digits, digits + sizeof digits, errors.size()).ptr);
  out.append(errors.size() == 1 ? " validation error in request\"" : " validation errors in request\"");
  out.append(",\"errors\":[");
  for (std::size_t i = 0; i < errors.size(); ++i) {
    const error& e = errors[i];
    out.append(i ? ",{\"type\":\"" : "{\"type\":\"").append(e.type).append("\",\"loc\":[").append(e.loc);
    out.append("],\"msg\":");
    quote_into(out, e.msg);
    if (!e.input.empty()) out.append(",\"input\":").append(e.input);
    if (!e.ctx.empty()) out.append(",\"ctx\":").append(e.ctx);
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace snasio::validation
