#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace re2 {
class RE2;
}

namespace snasio::middleware {

/// Which cross-origin requests the server allows (--cors-* flags; App.cors).
struct cors_policy {
  std::vector<std::string> origins;  ///< exact origins; "*" allows any
  std::string origin_pattern;        ///< or a regular expression an origin must match whole (RE2)
  std::vector<std::string> methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  std::vector<std::string> headers;  ///< request headers allowed; "*" allows any
  std::vector<std::string> expose;   ///< response headers a page may read
  bool credentials = false;
  int max_age = 600;  ///< seconds a preflight's answer may be cached
  bool private_network = false;  ///< answers Access-Control-Request-Private-Network

  bool enabled() const noexcept { return !origins.empty() || !origin_pattern.empty(); }
};

/// CORS decided on the reactor: preflights answered, other requests given
/// their headers, origins that are not allowed refused with 403.
class cors {
 public:
  cors();
  cors(cors&&) noexcept;
  ~cors();
  /// Takes the policy; throws std::invalid_argument naming a bad origin pattern.
  void configure(cors_policy p);
  bool enabled() const noexcept { return policy_.enabled(); }

  /// What to do with `req`: nullopt to go on (its CORS headers, if any,
  /// appended to `headers`), or the answer itself (a preflight's, or 403).
  std::optional<http::response> decide(const http::request& req, http::header_list& headers) const;
  /// Whether answers depend on Origin, and so carry `Vary: Origin` (for
  /// caches): unless they are the same for every origin. The server adds
  /// that line to every answer, decide()'s own included, cross-origin or not.
  bool varies() const noexcept { return !any_origin_ || policy_.credentials; }

 private:
  bool origin_allowed(std::string_view origin) const;
  void allow_origin(std::string_view origin, http::header_list& headers) const;
  std::optional<http::response> preflight(const http::request& req, std::string_view origin) const;

  cors_policy policy_;
  std::unique_ptr<re2::RE2> pattern_;
  bool any_origin_ = false, any_header_ = false;
  std::string methods_, expose_, max_age_;  // joined with ", "; the max age as text
};

}  // namespace snasio::middleware
