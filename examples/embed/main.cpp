// Embedding snasio in your own Asio program: native C++ routes and the Python
// routes of examples/app side by side, on an io_context this program owns.
//
//   build/examples/embed/snasio-embed-example [--port P] [any snasio-serve flag]
#include <iostream>

#include <asio.hpp>

#include "config.hpp"
#include "net/request_handler.hpp"
#include "net/server.hpp"
#include "net/shutdown_signals.hpp"
#include "python/runtime.hpp"

namespace {

using snasio::http::request;
using snasio::http::response;
using snasio::net::path_params;

// A native route: runs on the reactor thread, never touches the GIL.
response add(const request&, const path_params& params) {
  // <int:...> values arrive as exact decimal text; this route keeps to small ones.
  long long a = std::stoll(params[0].text), b = std::stoll(params[1].text);
  return response::json(200, "{\"sum\":" + std::to_string(a + b) + "}");
}

}  // namespace

int main(int argc, char** argv) try {
  // Defaults for this program, then whatever the command line says.
  snasio::config cfg = snasio::config_builder().app_dir(SNASIO_EXAMPLE_APP_DIR).port(8001).build();
  cfg = snasio::parse_command_line(argc, argv, cfg);

  asio::io_context io(1);
  snasio::python::runtime python(cfg.python, io.get_executor());
  python.start();  // the GIL thread imports examples/app and collects its @routes

  snasio::net::request_handler routes;
  routes.add_native({"GET"}, "/native/add/<int(signed=True):a>/<int(signed=True):b>", add);
  routes.add_python(python);

  snasio::net::server server(io, cfg.server, routes);
  server.listen();
  snasio::net::shutdown_signals signals(io, server, [&] { io.stop(); });
  server.start();
  std::cout << "snasio listening on " << server.url() << std::endl;
  io.run();
  python.stop();
  return 0;
} catch (const std::exception& e) {
  std::cerr << "snasio-embed-example: " << e.what() << "\n";
  return 1;
}
