#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "log/log.hpp"
#include "middleware/settings.hpp"
#include "net/server_options.hpp"
#include "python/python_config.hpp"

namespace snasio::app {

/// Everything a snasio server runs with: where it listens, its limits, the Python app.
struct config {
  net::server_options server;
  python::python_config python;
  middleware::settings middleware;
  log::level log_level = log::level::info;  ///< --log-level
  std::size_t workers = 1;       ///< --workers: processes serving the one socket (1: no supervisor)
  std::uint64_t max_requests = 0;  ///< --max-requests: a worker is replaced after about this many (0: never)
  bool reload = false;           ///< --reload: restart the worker when a .py file under --app-dir changes
  /// Where each setting that is not a default came from, by its snake_case
  /// name: "command line", "app" (snasio.configure) or "VIRTUAL_ENV".
  std::map<std::string, std::string, std::less<>> origin;
};

/// A command line that cannot be used; what() says why.
struct usage_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// Builds a config step by step, for programs that embed snasio.
class config_builder {
 public:
  config_builder& host(std::string h) { c_.server.host = std::move(h); return *this; }
  config_builder& port(std::uint16_t p) { c_.server.port = p; return *this; }
  config_builder& app_dir(std::string dir) { c_.python.app_dir = std::move(dir); return *this; }
  config_builder& module(std::string name) { c_.python.modules.push_back(std::move(name)); return *this; }
  config_builder& venv(std::string dir) { c_.python.venv = std::move(dir); return *this; }
  config_builder& pool_workers(std::size_t n) { c_.python.pool_workers = n; return *this; }
  config_builder& blocking_threads(std::size_t n) { c_.python.blocking_threads = n; return *this; }
  config_builder& queue_depth(std::size_t n) { c_.python.queue_depth = n; return *this; }
  config_builder& limits(http::limits l) { c_.server.limits = l; return *this; }
  /// Direct access to every other server option (timeouts, connections, ...).
  net::server_options& server() { return c_.server; }
  /// The finished config.
  config build() const { return c_; }

 private:
  config c_;
};

/// snasio-serve's --help text: every flag with its default.
std::string usage();
/// Parses snasio-serve's flags over `defaults`; throws usage_error. --help is the caller's.
config parse_command_line(int argc, char** argv, config defaults = {});
/// Applies the settings the app made with snasio.configure(), by snake_case
/// name, to what the command line left at its default; throws usage_error
/// (starting "configure():") for a name it may not set or a bad value.
void apply_app_settings(config& c, const std::vector<python::app_setting>& settings);
/// Every setting with its value and where it came from, a line each (--print-config).
std::string describe(const config& c);

}  // namespace snasio::app
