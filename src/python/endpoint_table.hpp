#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "python/py_ref.hpp"
#include "python/python_config.hpp"

namespace snasio::python {

/// How a route's handler runs, decided once when the route is registered.
enum class execution_mode {
  inline_call,      ///< a sync handler: called on the GIL thread, in its batch
  task,             ///< an `async def` handler: a Task on the GIL thread's loop
  dispatch_thread,  ///< `blocking=True`, or a sync pool handler: on the dispatch threads
};

/// A Python route as the router needs it: plain values, safe on any thread.
struct python_route {
  std::vector<std::string> methods;
  std::string pattern;
  std::string name;  ///< "module.function", for the route table and logs
  execution_mode mode = execution_mode::inline_call;
  bool use_pool = false;  ///< the handler gets the process pool as its second argument
};

/// What `@route` asks for while the app is imported.
struct route_request {
  std::vector<std::string> methods;
  std::string pattern;
  py_ref handler;
  bool is_async = false;
  bool use_pool = false;
  bool blocking = false;
};

/// The app's handlers by route id. Importing the app runs its `@route`
/// decorators, which register here through `_snasio.add_route` (GIL thread).
class endpoint_table {
 public:
  /// Imports the app's modules; throws startup_error with the traceback.
  void import_app(const python_config& config);
  /// Registers a handler; false with a Python exception set when refused.
  bool add(route_request r);
  /// The handler of route `id` (borrowed).
  PyObject* handler(std::size_t id) const noexcept { return handlers_[id].get(); }
  /// The name of route `id` as a str (borrowed): its tasks are named after it.
  PyObject* name(std::size_t id) const noexcept { return names_[id].get(); }
  /// Route `id` as registered.
  const python_route& route(std::size_t id) const noexcept { return routes_[id]; }
  /// Every route, by id.
  const std::vector<python_route>& routes() const noexcept { return routes_; }
  /// Drops every handler reference (before the interpreter finalizes).
  void clear() noexcept {
    handlers_.clear();
    names_.clear();
  }

 private:
  std::vector<py_ref> handlers_;  // index = route id
  std::vector<py_ref> names_;
  std::vector<python_route> routes_;
};

}  // namespace snasio::python
