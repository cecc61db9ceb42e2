#include "app/config.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace snasio::app {

std::string usage() {
  return R"(usage: snasio-serve [options]

Serving:
  --host H                 address to listen on (default 127.0.0.1)
  --port P                 port to listen on; 0 picks a free one (default 8000)

Python app:
  --app-dir DIR            directory put on sys.path; its modules are imported
  --module NAME            module to import (repeatable; default: every *.py in --app-dir)
  --venv DIR               virtual environment to use (default: $VIRTUAL_ENV, if set)
  --queue-depth N          Python requests waiting at once; more get 503 (default 1024)
  --pool-workers N         processes for use_process_pool routes (default: CPU count)
  --dispatch-workers N     threads for blocking=True handlers (default 4)
  --max-json-depth N       nesting bound for JSON bodies and returned JSON (default 64)

Limits:
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
}

namespace {

template <class Int>
Int number(std::string_view flag, std::string_view text) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    throw usage_error("invalid value '" + std::string(text) + "' for " + std::string(flag));
  return value;
}

// Applies one flag and its value; false when the flag is unknown.
bool apply(config& c, std::string_view flag, std::string_view value) {
  auto& s = c.server;
  auto& p = c.python;
  auto count = [&] { return number<std::size_t>(flag, value); };
  auto secs = [&] { return std::chrono::seconds(number<unsigned>(flag, value)); };
  if (flag == "--host") s.host = value;
  else if (flag == "--port") s.port = number<std::uint16_t>(flag, value);
  else if (flag == "--app-dir") p.app_dir = value;
  else if (flag == "--module") p.modules.emplace_back(value);
  else if (flag == "--venv") p.venv = value;
  else if (flag == "--queue-depth") p.queue_depth = count();
  else if (flag == "--pool-workers") p.pool_workers = count();
  else if (flag == "--dispatch-workers") p.dispatch_workers = count();
  else if (flag == "--max-json-depth") p.max_json_depth = count();
  else if (flag == "--max-header-bytes") s.limits.max_header_bytes = count();
  else if (flag == "--max-headers") s.limits.max_headers = count();
  else if (flag == "--max-url-bytes") s.limits.max_url_bytes = count();
  else if (flag == "--max-body-bytes") s.limits.max_body_bytes = count();
  else if (flag == "--header-timeout") s.header_timeout = secs();
  else if (flag == "--body-timeout") s.body_timeout = secs();
  else if (flag == "--keepalive-timeout") s.keepalive_timeout = secs();
  else if (flag == "--write-timeout") s.write_timeout = secs();
  else if (flag == "--drain-timeout") s.drain_timeout = secs();
  else if (flag == "--max-connections") s.max_connections = count();
  else if (flag == "--max-pipelined") s.max_pipelined = count();
  else return false;
  return true;
}

void check(const config& c) {
  if (c.python.queue_depth == 0) throw usage_error("--queue-depth must be at least 1");
  if (c.python.dispatch_workers == 0) throw usage_error("--dispatch-workers must be at least 1");
  if (c.python.max_json_depth == 0) throw usage_error("--max-json-depth must be at least 1");
  if (c.server.max_pipelined == 0) throw usage_error("--max-pipelined must be at least 1");
  if (c.server.max_connections == 0) throw usage_error("--max-connections must be at least 1");
}

}  // namespace

config parse_command_line(int argc, char** argv, config c) {
  if (const char* venv = std::getenv("VIRTUAL_ENV"); venv && *venv) c.python.venv = venv;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) throw usage_error("missing value for " + std::string(flag));
    if (!apply(c, flag, argv[++i])) throw usage_error("unknown option " + std::string(flag));
  }
  check(c);
  return c;
}

}  // namespace snasio::app
