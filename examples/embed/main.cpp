// Embedding snasio in your own Asio program: native C++ routes and the Python
// routes of examples/app side by side, on an io_context this program owns.
//
//   build/examples/embed/snasio-embed-example [--port P] [any snasio-serve flag]
#include <iostream>

#include <asio.hpp>

#include "app/config.hpp"
#include "app/service.hpp"

namespace {

using snasio::app::path_params;
using snasio::http::request;
using snasio::http::response;

// A native route: runs on the reactor thread, never touches the GIL.
response add(const request&, const path_params& params) {
  // <int:...> values arrive as exact decimal text; this route keeps to small ones.
  long long a = std::stoll(params[0].text), b = std::stoll(params[1].text);
  return response::json(200, "{\"sum\":" + std::to_string(a + b) + "}");
}

}  // namespace

int main(int argc, char** argv) try {
  // Defaults for this program, then whatever the command line says.
  auto cfg = snasio::app::config_builder().app_dir(SNASIO_EXAMPLE_APP_DIR).port(8001).build();
  cfg = snasio::app::parse_command_line(argc, argv, cfg);

  asio::io_context io(1);
  snasio::app::service snasio(io, cfg);
  snasio.add_native({"GET"}, "/native/add/<int(signed=True):a>/<int(signed=True):b>", add);
  // The host program decides when to stop: here, a POST asks for the same
  // graceful stop a SIGTERM gives (posted, so this response is sent first).
  snasio.add_native({"POST"}, "/native/stop", [&](const request&, const path_params&) {
    asio::post(io, [&] { snasio.stop(); });
    return response::json(202, R"({"stopping":true})");
  });
  snasio.start();  // the GIL thread imports examples/app; then bind, accept, take the signals
  std::cout << "snasio listening on " << snasio.url() << std::endl;
  snasio.run();    // io.run(), tuned for Python replies; until SIGINT/SIGTERM has stopped all
  return 0;
} catch (const std::exception& e) {
  std::cerr << "snasio-embed-example: " << e.what() << "\n";
  return 1;
}
