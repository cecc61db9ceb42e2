// snasio-serve: a thin main over the library. Parses flags, starts the Python
// app, serves, and exits 0 on SIGINT/SIGTERM after draining.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <asio.hpp>

#include "config.hpp"
#include "net/request_handler.hpp"
#include "net/server.hpp"
#include "net/shutdown_signals.hpp"
#include "python/interpreter.hpp"
#include "python/runtime.hpp"

namespace {

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "snasio-serve: " << message << "\n";
  std::exit(code);
}

snasio::config parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << snasio::usage();
      std::exit(0);
    }
  }
  try {
    return snasio::parse_command_line(argc, argv);
  } catch (const snasio::usage_error& e) {
    fail(std::string(e.what()) + " (see --help)", 2);
  }
}

}  // namespace

int main(int argc, char** argv) {
  snasio::config cfg = parse(argc, argv);
  snasio::net::raise_open_file_limit();

  asio::io_context io(1);
  snasio::net::request_handler handler;
  handler.add_native({"GET"}, "/health", [](const snasio::http::request&, const snasio::net::path_params&) {
    return snasio::http::response::json(200, R"({"status":"ok"})");
  });

  // The GIL thread starts the interpreter and imports the app before anything
  // is served, so a broken app stops start-up with its traceback.
  snasio::python::runtime python(cfg.python, io.get_executor());
  if (!cfg.python.app_dir.empty() || !cfg.python.modules.empty()) {
    try {
      python.start();
      handler.add_python(python);
    } catch (const std::exception& e) {
      python.stop();
      fail(e.what());
    }
  }
  for (const auto& line : handler.route_table()) std::cerr << "snasio: route " << line << "\n";

  snasio::net::server srv(io, cfg.server, handler);
  try {
    srv.listen();
  } catch (const std::system_error& e) {
    python.stop();
    fail(e.what());
  }

  // The first SIGINT/SIGTERM drains the connections, then stops the reactor.
  snasio::net::shutdown_signals signals(io, srv, [&] { io.stop(); });

  srv.start();
  std::cout << "snasio listening on " << srv.url() << std::endl;
  io.run();

  // Every connection is closed: let the GIL thread finish, shut the pools
  // down and finalize the interpreter.
  python.stop();
  return 0;
}
