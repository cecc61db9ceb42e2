#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio.hpp>

#include "app/config.hpp"
#include "app/dispatcher.hpp"
#include "app/shutdown_signals.hpp"
#include "net/server.hpp"
#include "python/runtime.hpp"

namespace snasio::app {

/// snasio assembled on an io_context its owner runs: the Python runtime, the
/// dispatcher with native and Python routes, the listening server and the
/// signals that stop it. snasio-serve is a thin main over it, and so is a
/// program that embeds snasio (examples/embed).
class service {
 public:
  service(asio::io_context& io, config cfg);
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  /// Adds a native C++ route (before start()); throws routing::pattern_error.
  void add_native(std::vector<std::string> methods, std::string_view pattern, native_handler h);
  /// Binds (so a bad address or a port in use is reported before the app is
  /// imported), imports the Python app, applies its settings under the
  /// command line's, routes it, runs its start-up hooks, takes SIGINT/SIGTERM
  /// and starts accepting. Once stopped, `on_stopped` runs on the reactor thread
  /// (by default the io_context stops). Throws python::startup_error,
  /// routing::pattern_error or std::system_error.
  void start(std::function<void()> on_stopped = nullptr);
  /// Imports the Python app (without listening) and describes every setting
  /// with its value and where it came from (--print-config); throws as start() does.
  std::string print_config();
  /// Runs the io_context until it stops (instead of io.run()). While only a
  /// few Python requests are in flight and nothing else is ready, the reactor
  /// keeps polling for their replies for a moment instead of sleeping: at low
  /// load, a sleeping reactor costs every request a thread wake-up.
  void run();
  /// Stops gracefully, as the first SIGINT/SIGTERM does (reactor thread): no
  /// new connections; requests received are answered until --drain-timeout,
  /// then those still running get 503; Python finishes and the pools stop;
  /// then `on_stopped`. If Python does not finish about a second after the
  /// drain timeout, the process exits 0 without waiting for it.
  void stop();
  /// The address served, as a URL.
  std::string url() const { return server_.url(); }
  /// One line per route, for the start-up log.
  std::vector<std::string> route_table() const { return dispatcher_.route_table(); }

 private:
  using clock = std::chrono::steady_clock;
  bool import_app();
  void on_drained();
  void on_python_stopped();
  [[noreturn]] void give_up_on_python();
  [[noreturn]] void exit_at_once(int signo);

  asio::io_context& io_;
  config config_;
  dispatcher dispatcher_;
  python::runtime python_;
  net::server server_;
  std::unique_ptr<shutdown_signals> signals_;
  asio::steady_timer python_deadline_;
  std::function<void()> on_stopped_;
  clock::time_point stop_began_;
  bool stopping_ = false;
};

}  // namespace snasio::app
