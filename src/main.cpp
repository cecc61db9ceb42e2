// snasio-serve: a thin main over the library. Parses flags, serves, exits 0 on
// SIGINT/SIGTERM after draining.
#include <sys/resource.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include <asio.hpp>

#include "net/request_handler.hpp"
#include "net/server.hpp"

namespace {

using snasio::net::server_options;

constexpr std::string_view usage = R"(usage: snasio-serve [options]

  --host H                 address to listen on (default 127.0.0.1)
  --port P                 port to listen on; 0 picks a free one (default 8000)
  --max-header-bytes N     request line + headers, bytes; over it: 431 (default 16384)
  --max-headers N          header lines; over it: 431 (default 100)
  --max-url-bytes N        request-target length; over it: 414 (default 8192)
  --max-body-bytes N       request body, bytes; over it: 413 (default 1048576)
  --header-timeout S       seconds for a request's head to arrive; then 408 (default 10)
  --body-timeout S         seconds for a request's body to arrive; then 408 (default 30)
  --keepalive-timeout S    seconds an idle keep-alive connection stays open (default 5)
  --write-timeout S        seconds a response may wait for a client that does not read (default 30)
  --drain-timeout S        seconds to finish requests after SIGINT/SIGTERM (default 10)
  --max-connections N      open connections; more are closed at once (default 10000)
  --max-pipelined N        requests parsed ahead of their responses per connection (default 16)
  --help                   show this help
)";

[[noreturn]] void die(const std::string& message) {
  std::cerr << "snasio-serve: " << message << "\n";
  std::exit(2);
}

template <class Int>
Int parse_number(std::string_view flag, std::string_view text) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    die("invalid value '" + std::string(text) + "' for " + std::string(flag));
  return value;
}

server_options parse_args(int argc, char** argv) {
  server_options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << usage;
      std::exit(0);
    }
    if (i + 1 >= argc) die("missing value for " + std::string(flag) + " (see --help)");
    std::string_view value = argv[++i];
    auto secs = [&] { return std::chrono::seconds(parse_number<unsigned>(flag, value)); };
    if (flag == "--host") o.host = value;
    else if (flag == "--port") o.port = parse_number<std::uint16_t>(flag, value);
    else if (flag == "--max-header-bytes") o.limits.max_header_bytes = parse_number<std::size_t>(flag, value);
    else if (flag == "--max-headers") o.limits.max_headers = parse_number<std::size_t>(flag, value);
    else if (flag == "--max-url-bytes") o.limits.max_url_bytes = parse_number<std::size_t>(flag, value);
    else if (flag == "--max-body-bytes") o.limits.max_body_bytes = parse_number<std::size_t>(flag, value);
    else if (flag == "--header-timeout") o.header_timeout = secs();
    else if (flag == "--body-timeout") o.body_timeout = secs();
    else if (flag == "--keepalive-timeout") o.keepalive_timeout = secs();
    else if (flag == "--write-timeout") o.write_timeout = secs();
    else if (flag == "--drain-timeout") o.drain_timeout = secs();
    else if (flag == "--max-connections") o.max_connections = parse_number<std::size_t>(flag, value);
    else if (flag == "--max-pipelined") o.max_pipelined = std::max<std::size_t>(1, parse_number<std::size_t>(flag, value));
    else die("unknown option " + std::string(flag) + " (see --help)");
  }
  return o;
}

// Each connection is a file descriptor; the default soft limit (often 1024) is
// far below what --max-connections allows, so raise it to the hard limit.
void raise_open_file_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

std::string url_of(const asio::ip::tcp::endpoint& ep) {
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(ep.port());
}

}  // namespace

int main(int argc, char** argv) {
  server_options options = parse_args(argc, argv);
  raise_open_file_limit();

  asio::io_context io(1);
  snasio::net::request_handler handler;
  handler.add_native("GET", "/health", [](const snasio::http::request&) {
    return snasio::http::response::json(200, R"({"status":"ok"})");
  });

  snasio::net::server srv(io, options, handler);
  try {
    srv.listen();
  } catch (const std::system_error& e) {
    die(e.what());
  }

  // Register to handle the signals that indicate when the server should exit:
  // the first drains, a second one exits at once.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopping = false;
  std::function<void(const asio::error_code&, int)> on_signal = [&](const asio::error_code& ec, int) {
    if (ec) return;
    if (stopping) {
      std::cerr << "snasio: second signal, exiting now\n";
      std::_Exit(1);
    }
    stopping = true;
    signals.async_wait(on_signal);
    srv.stop([&] { io.stop(); });
  };
  signals.async_wait(on_signal);

  srv.start();
  std::cout << "snasio listening on " << url_of(srv.local_endpoint()) << std::endl;
  io.run();
  return 0;
}
