#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "python/contract.hpp"
#include "python/py_objects.hpp"
#include "python/py_ref.hpp"
#include "python/value_plans.hpp"
#include "python/python_config.hpp"
#include "validation/route_validator.hpp"

namespace snasio::python {

/// Where a parameter of a directly called handler comes from.
struct argument {
  argument_source from = argument_source::request;
  std::string name;    ///< the parameter's name (and, for `path`, the placeholder's)
  std::size_t index = 0;  ///< for `value`: which of request._values
  std::string member;     ///< for `value`: the member of that value (a body's), or empty for all of it
};

/// A Python route as the router needs it: plain values, safe on any thread.
struct python_route {
  std::vector<std::string> methods;
  std::string pattern;
  std::string name;  ///< "module.function", for the route table and logs
  execution_mode mode = execution_mode::sync;
  bool use_pool = false;  ///< the handler gets the process pool
  call_kind call = call_kind::direct;
  std::vector<argument> arguments;  ///< for a direct call, in order
  std::size_t positional = 0;  ///< how many of them go by position; the rest by keyword
  bool cleanup_after_write = false;  ///< its dependencies clean up once the answer is written
  /// Its typed parameters' checks, run on the reactor; null for a route without any.
  std::shared_ptr<const validation::route_validator> validator;
  double rate_per_second = 0, rate_burst = 1;  ///< its own rate limit (rate_limit=); 0: none
  std::chrono::milliseconds timeout{0};  ///< its handler's deadline (timeout=); 0: the server's
};

/// The app's handlers by route id: what importing the app declared, as
/// snasio._planning planned it (GIL thread).
class endpoint_table {
 public:
  /// Imports the app's modules and plans its routes; throws startup_error with
  /// the traceback (or, for a route that cannot be planned, the reason).
  void import_app(const python_config& config, const py_objects& py);
  /// The handler of route `id` (borrowed).
  PyObject* handler(std::size_t id) const noexcept { return handlers_[id].get(); }
  /// The name of route `id` as a str (borrowed): its tasks are named after it.
  PyObject* name(std::size_t id) const noexcept { return names_[id].get(); }
  /// The names of the arguments a direct call of route `id` passes by
  /// keyword, after its positional ones (borrowed; null: none).
  PyObject* keywords(std::size_t id) const noexcept { return keywords_[id].get(); }
  /// Route `id` as planned.
  const python_route& route(std::size_t id) const noexcept { return routes_[id]; }
  /// Every route, by id.
  const std::vector<python_route>& routes() const noexcept { return routes_; }
  /// Whether any route's dependencies clean up after its answer is written.
  bool any_cleanup_after_write() const noexcept { return any_cleanup_after_write_; }
  /// The settings the app made (snasio.configure).
  const std::vector<app_setting>& settings() const noexcept { return settings_; }
  /// The OpenAPI document of the app, JSON (empty with --openapi-path "").
  const std::string& openapi() const noexcept { return openapi_; }
  /// Route `id`'s checked values: per value, its default (when the request
  /// left it out) and its converter (null: none), borrowed.
  const value_plans& values(std::size_t id) const noexcept { return values_[id]; }
  /// Drops every reference (before the interpreter finalizes).
  void clear() noexcept {
    handlers_.clear();
    names_.clear();
    keywords_.clear();
    values_.clear();
  }

 private:
  void add(PyObject* planned, std::size_t max_json_depth);

  std::vector<py_ref> handlers_;  // index = route id
  std::vector<py_ref> names_;
  std::vector<py_ref> keywords_;
  std::vector<python_route> routes_;
  std::vector<app_setting> settings_;
  std::vector<value_plans> values_;  // index = route id
  std::string openapi_;
  bool any_cleanup_after_write_ = false;
};

}  // namespace snasio::python
