#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace snasio::python {

/// The default for --queue-depth: how many Python requests may wait. Past
/// it, clients get 503 + Retry-After instead of joining a queue whose wait
/// would outlast their patience; memory stays bounded too.
inline constexpr std::size_t default_queue_depth = 1024;

/// The default for --max-json-depth: how many arrays/objects may enclose a
/// value. Both JSON conversions recurse once per level on the C++ stack, so a
/// bound keeps a hostile `[[[[...` body from overflowing it; 64 is far deeper
/// than any sensible API payload.
inline constexpr std::size_t default_max_json_depth = 64;
/// The most --max-json-depth (and a route's max_json_depth) may be. The
/// parsers, checks and writers recurse once a level: about 20,000 levels
/// fit a thread's 8 MB stack here (measured: 50,000 crashed the server),
/// and Python's own json gives up near 1,000.
inline constexpr std::size_t most_json_depth = 1000;

/// A setting the app made with snasio.configure(): "max_body_bytes", "2000000".
using app_setting = std::pair<std::string, std::string>;

/// Everything the GIL thread needs to start the interpreter and the app.
struct python_config {
  std::string app_dir;               ///< --app-dir: put on sys.path; its modules are imported
  std::vector<std::string> modules;  ///< --module (repeatable); empty: every *.py in app_dir
  /// --app: "module:attribute", the snasio.App to serve (its module found on
  /// sys.path: --app-dir, then the current directory); empty: the default App.
  std::string app;
  /// --openapi-path: where the OpenAPI document is served; empty: nowhere.
  std::string openapi_path = "/openapi.json";
  std::string venv;                  ///< --venv, else $VIRTUAL_ENV: its interpreter and site-packages
  std::string venv_named_by = "--venv";  ///< where `venv` came from, for error messages
  /// Where the `snasio` Python package lives; empty: found at start
  /// (python::find_package_dir()).
  std::string package_dir;
  std::size_t queue_depth = default_queue_depth;  ///< --queue-depth
  /// --pool-workers: processes in the pool for use_process_pool routes; 0 = one per CPU.
  std::size_t pool_workers = 0;
  /// --blocking-threads: how many sync handlers may be running at once (the
  /// sync threads, started as handlers block), and how many threads run the
  /// loop's blocking work (a sync generator's items, a file's pieces).
  std::size_t blocking_threads = 40;
  /// --gil-hold-warning: a sync handler that holds the GIL this long is
  /// logged, once per route (zero: never).
  std::chrono::milliseconds gil_hold_warning{100};
  /// --max-json-depth: nesting bound for JSON bodies (400 past it) and returned JSON (500 past it).
  std::size_t max_json_depth = default_max_json_depth;
  /// No .pyc files written (--reload): a cached one records its source's
  /// modification time in whole seconds, so an edit within the same second
  /// that keeps the size would be missed.
  bool write_bytecode = true;
};

/// Why importing `config`'s app gave no route, in a sentence for the start-up
/// log: which modules were imported, or that --app-dir has none at its top
/// level, naming the packages there (their modules are imported only when
/// named, or imported by the package).
std::string why_no_routes(const python_config& config);

}  // namespace snasio::python
