#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "python/job_queue.hpp"
#include "python/json_convert.hpp"


namespace snasio::python {

/// Everything the GIL thread needs to start the interpreter and the app.
struct python_config {
  std::string app_dir;               ///< --app-dir: put on sys.path; its modules are imported
  std::vector<std::string> modules;  ///< --module (repeatable); empty: every *.py in app_dir
  std::string venv;                  ///< --venv, else $VIRTUAL_ENV: its interpreter and site-packages
  std::string venv_named_by = "--venv";  ///< where `venv` came from, for error messages
  /// The interpreter that matches the embedded libpython; sys.executable and
  /// the process pool's workers use it (a venv's bin/python3 replaces it).
  /// Empty: the one snasio was built for (meson's -Dpython).
  std::string python_executable;
  /// Where the `snasio` Python package lives; empty: found at start
  /// (python::find_package_dir()).
  std::string package_dir;
  std::size_t queue_depth = job_queue::default_depth;  ///< --queue-depth
  /// --pool-workers: processes in the pool for use_process_pool routes; 0 = one per CPU.
  std::size_t pool_workers = 0;
  /// --dispatch-workers: threads that run blocking=True handlers.
  std::size_t dispatch_workers = 4;
  /// --max-json-depth: nesting bound for JSON bodies (400 past it) and returned JSON (500 past it).
  std::size_t max_json_depth = default_max_json_depth;
  /// No .pyc files written (--reload): a cached one records its source's
  /// modification time in whole seconds, so an edit within the same second
  /// that keeps the size would be missed.
  bool write_bytecode = true;
};

}  // namespace snasio::python
