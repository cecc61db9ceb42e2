#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <memory>
#include <optional>

#include <asio/any_io_executor.hpp>

#include "app/deadlines.hpp"
#include "app/file_pump.hpp"
#include "http/limits.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "log/throttle.hpp"
#include "middleware/settings.hpp"
#include "net/request_handler.hpp"
#include "routing/router.hpp"
#include "validation/route_validator.hpp"

namespace snasio::python {
class backend;
}

namespace snasio::app {

/// The converted path parameters of a matched route.
using path_params = std::vector<routing::path_param>;

/// A C++ endpoint: runs on the reactor thread and returns its response at once.
using native_handler = std::function<http::response(const http::request&, const path_params&)>;

/// Routes each request to a native C++ handler or to the Python runtime, and
/// answers what no handler needs to see (404, 405, OPTIONS, 308, 400, and the
/// 503 when Python's queue is full). Around the routes, on the reactor, the
/// middleware: CORS, compression, rate limits, static files and deadlines.
class dispatcher final : public net::request_handler {
 public:
  /// Registers a native route (a werkzeug-style pattern); throws routing::pattern_error.
  void add_native(std::vector<std::string> methods, std::string_view pattern, native_handler h);
  /// Registers every route of a started Python runtime (or a stand-in); throws
  /// routing::pattern_error naming both handlers when a route clashes.
  void add_python(python::backend& py);
  net::listening handle(http::request&& req, const net::responder& to) override;
  /// A connection's refusal (413, 400, 408 after the head) goes through the
  /// app's on_response and on_error hooks when it has any.
  net::listening refused(http::request&& req, http::response answer, const net::responder& to) override;
  /// With CORS that varies by origin, or compression: every answer says so
  /// (its own, a native route's, a refusal's), whatever the request asked.
  std::string_view vary() const override { return vary_; }
  /// The server has begun to drain (event streams end).
  void draining();
  /// The app could not be imported (under --reload): every path no native
  /// route serves is answered 500 with `reason`.
  void app_unavailable(std::string reason) { unavailable_ = std::move(reason); }
  /// The limits forms are split under (--max-form-fields, --max-form-parts).
  void set_limits(const http::limits& l) { limits_ = l; }
  /// Takes the middleware's settings (before add_python: routes add their
  /// own rate limits); throws std::runtime_error or std::invalid_argument
  /// naming a static directory or a pattern that cannot be used.
  void set_middleware(const middleware::settings& s, asio::any_io_executor ex);
  /// Calls `reached` once, as the `count`th request arrives (--max-requests; 0: never).
  void after_requests(std::uint64_t count, std::function<void()> reached) {
    recycle_after_ = count;
    on_recycle_ = std::move(reached);
  }
  /// One line per route for the start-up log: "GET /users/<int:id> -> endpoints.user [async]".
  std::vector<std::string> route_table() const;

 private:
  static http::response call_native(const native_handler& h, const http::request& req, const path_params& params);
  net::listening to_python(std::size_t route, http::request&& req, std::string path, path_params params,
                           const net::responder& to, std::optional<validation::outcome> ready = std::nullopt);
  /// Sends an answer the server made itself, through the app's on_response
  /// and on_error hooks when it has any (the route planned for that).
  net::listening answer(http::response r, http::request& req, const std::string& path, const net::responder& to);

  /// What a router target id stands for: a native handler or a Python route.
  struct target {
    native_handler native;
    std::size_t python_route = 0;
  };

  void report_refusal();
  /// The middleware's answer before routing (a preflight, a CORS 403, 429, a static file), if any.
  bool answered_around(http::request& req, const std::string& path, const net::responder& to, net::listening& later);
  static http::response too_many(unsigned retry_after);

  routing::router router_;
  http::limits limits_;
  std::vector<target> targets_;
  std::uint64_t handled_ = 0;
  std::uint64_t recycle_after_ = 0;
  std::function<void()> on_recycle_;
  log::throttle refusals_;  // 503s for a full queue, told once a second
  python::backend* python_ = nullptr;
  std::uint64_t next_job_id_ = 1;
  std::string unavailable_;  // why the app's routes are missing, when they are

  middleware::settings around_;
  middleware::cors cors_;
  middleware::static_files statics_;
  std::unique_ptr<middleware::rate_limiter> rate_;                  // for every request, if set
  std::vector<std::unique_ptr<middleware::rate_limiter>> route_rates_;  // by Python route, if set
  std::unique_ptr<file_pump> pump_;
  std::unique_ptr<deadlines> deadlines_;
  bool around_active_ = false;  // any of CORS, compression, a global rate limit, a static mount
  std::string vary_;            // the Vary line of every answer, for CORS and compression ("" for none)
  std::optional<std::size_t> own_answers_;  // the Python route the server's own answers go through, if any
};

}  // namespace snasio::app
