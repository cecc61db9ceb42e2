// snasio-serve: a thin main over the library. Parses flags, starts the
// service (the Python app, the native /health route, the listener) and runs
// the reactor; exits 0 after SIGINT/SIGTERM has drained it.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <asio.hpp>

#include "app/config.hpp"
#include "app/service.hpp"

namespace {

int fail(const std::string& message, int code = 1) {
  std::cerr << "snasio-serve: " << message << "\n";
  return code;
}

snasio::http::response health(const snasio::http::request&, const snasio::app::path_params&) {
  return snasio::http::response::json(200, R"({"status":"ok"})");
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

  // One thread runs the reactor and only it touches sockets, so their
  // per-operation locks can go; posting from the GIL thread stays locked.
  asio::io_context io(ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  snasio::app::service service(io, cfg);
  service.add_native({"GET"}, "/health", health);
  if (print_config) {
    try {
      std::cout << service.print_config();
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    return 0;
  }
  try {
    service.start();
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  std::cout << "snasio listening on " << service.url() << std::endl;
  service.run();
  return 0;
}
