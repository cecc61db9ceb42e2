#include "middleware/cors.hpp"

#include <algorithm>
#include <stdexcept>

#include <re2/re2.h>

namespace snasio::middleware {

namespace {
std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool contains(const std::vector<std::string>& items, std::string_view s) {
  return std::any_of(items.begin(), items.end(), [&](const std::string& i) { return http::iequals(i, s); });
}

// Browsers send Origin on same-origin POSTs too: a page of this very site
// (its origin's host and port are the request's Host) is no cross-origin
// request, and is never refused.
bool same_origin(const http::request& req, std::string_view origin) {
  std::size_t scheme_end = origin.find("://");
  return scheme_end != std::string_view::npos && http::iequals(origin.substr(scheme_end + 3), req.header("Host"));
}

http::response refused(const std::string& reason) { return http::response::error(403, reason); }
}  // namespace

cors::cors() = default;
cors::cors(cors&&) noexcept = default;
cors::~cors() = default;

void cors::configure(cors_policy p) {
  policy_ = std::move(p);
  pattern_.reset();
  if (!policy_.origin_pattern.empty()) {
    pattern_ = std::make_unique<re2::RE2>(policy_.origin_pattern, re2::RE2::Quiet);
    if (!pattern_->ok())
      throw std::invalid_argument("--cors-allow-origin-regex: " + pattern_->error() + ": " + policy_.origin_pattern);
  }
  any_origin_ = std::find(policy_.origins.begin(), policy_.origins.end(), "*") != policy_.origins.end();
  any_header_ = std::find(policy_.headers.begin(), policy_.headers.end(), "*") != policy_.headers.end();
  methods_ = joined(policy_.methods);
  expose_ = joined(policy_.expose);
  max_age_ = std::to_string(policy_.max_age);
}

bool cors::origin_allowed(std::string_view origin) const {
  // Origins compare exactly (RFC 6454: a serialized origin is compared as
  // text), so "https://EXAMPLE.COM" is not "https://example.com".
  if (any_origin_ || std::find(policy_.origins.begin(), policy_.origins.end(), origin) != policy_.origins.end())
    return true;
  return pattern_ && re2::RE2::FullMatch(re2::StringPiece(origin.data(), origin.size()), *pattern_);
}

void cors::allow_origin(std::string_view origin, http::header_list& headers) const {
  // "*" cannot carry credentials: a page sending them is told its own origin.
  bool star = any_origin_ && !policy_.credentials;
  headers.push_back({"Access-Control-Allow-Origin", star ? "*" : std::string(origin)});
  if (policy_.credentials) headers.push_back({"Access-Control-Allow-Credentials", "true"});
}

std::optional<http::response> cors::decide(const http::request& req, http::header_list& headers) const {
  std::string_view origin = req.header("Origin");
  if (origin.empty() || same_origin(req, origin)) return std::nullopt;  // not a cross-origin request
  if (req.method == "OPTIONS" && !req.header("Access-Control-Request-Method").empty()) return preflight(req, origin);
  if (!origin_allowed(origin)) return refused("Origin '" + std::string(origin) + "' is not allowed");
  allow_origin(origin, headers);
  if (!expose_.empty()) headers.push_back({"Access-Control-Expose-Headers", expose_});
  return std::nullopt;
}

std::optional<http::response> cors::preflight(const http::request& req, std::string_view origin) const {
  if (!origin_allowed(origin)) return refused("Origin '" + std::string(origin) + "' is not allowed");
  std::string_view method = http::trim(req.header("Access-Control-Request-Method"));
  if (!contains(policy_.methods, method)) return refused("method " + std::string(method) + " is not allowed");
  std::string_view asked = req.header("Access-Control-Request-Headers");
  for (std::size_t at = 0; !any_header_ && at < asked.size();) {
    std::size_t end = std::min(asked.find(',', at), asked.size());
    std::string_view name = http::trim(asked.substr(at, end - at));
    if (!name.empty() && !contains(policy_.headers, name))
      return refused("header " + std::string(name) + " is not allowed");
    at = end + 1;
  }
  http::response r{204, "", {}, ""};
  r.headers.reserve(6);
  allow_origin(origin, r.headers);
  r.headers.push_back({"Access-Control-Allow-Methods", methods_});
  if (!asked.empty()) r.headers.push_back({"Access-Control-Allow-Headers", std::string(http::trim(asked))});
  r.headers.push_back({"Access-Control-Max-Age", max_age_});
  if (policy_.private_network && http::iequals(req.header("Access-Control-Request-Private-Network"), "true"))
    r.headers.push_back({"Access-Control-Allow-Private-Network", "true"});
  return r;
}

}  // namespace snasio::middleware
