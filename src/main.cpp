// snasio-serve: a thin main over the library. Parses flags, starts the
// service (the Python app, the native /health route, the listener) and runs
// the reactor, or with --workers (--max-requests, --reload) a supervisor that
// runs one per worker process; exits 0 after SIGINT/SIGTERM has drained it.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <asio.hpp>

#include "app/config.hpp"
#include "app/service.hpp"
#include "app/supervisor.hpp"

namespace {

int fail(const std::string& message, int code = 1) {
  std::cerr << "snasio-serve: " << message << "\n";
  return code;
}

snasio::http::response health(const snasio::http::request&, const snasio::app::path_params&) {
  return snasio::http::response::json(200, R"({"status":"ok"})");
}

enum class mode { alone, worker, print_config };

// Builds the service on its own reactor and runs it until it has stopped.
int serve(const snasio::app::config& cfg, mode how) {
  // One thread runs the reactor and only it touches sockets, so their
  // per-operation locks can go; posting from the GIL thread stays locked.
  asio::io_context io(ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  snasio::app::service service(io, cfg);
  service.add_native({"GET"}, "/health", health);
  try {
    if (how == mode::print_config) {
      std::cout << service.print_config();
      return 0;
    }
    service.start();
  } catch (const std::exception& e) {
    // A worker that cannot start tells its supervisor so (it would not start again).
    return fail(e.what(), how == mode::worker ? 3 : 1);
  }
  if (how == mode::alone) std::cout << "snasio listening on " << service.url() << std::endl;
  service.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  bool print_config = false;
  for (int i = 0; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << snasio::app::usage();
      return 0;
    }
    if (a == "--print-config") print_config = true;
    else args.push_back(argv[i]);
  }
  snasio::app::config cfg;
  try {
    cfg = snasio::app::parse_command_line(int(args.size()), args.data());
  } catch (const snasio::app::usage_error& e) {
    return fail(std::string(e.what()) + " (see --help)", 2);
  }
  snasio::net::raise_open_file_limit();
  if (print_config) return serve(cfg, mode::print_config);
  // Several workers, recycling or reloading need a supervisor above them.
  if (cfg.workers > 1 || cfg.max_requests > 0 || cfg.reload)
    return snasio::app::supervise(cfg, [](const snasio::app::config& c) { return serve(c, mode::worker); });
  return serve(cfg, mode::alone);
}
