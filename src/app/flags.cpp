// Every flag of snasio-serve: what it sets, its help line, how its value is
// read back for --help and --print-config, and whether the app may set it too.
#include "app/flags.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace snasio::app {

namespace {

template <class Int>
Int number(std::string_view flag, std::string_view text) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    throw usage_error("invalid value '" + std::string(text) + "' for " + std::string(flag));
  return value;
}

std::string show(std::chrono::milliseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", std::chrono::duration<double>(d).count());
  return text;
}

}  // namespace

// Seconds, fractions allowed ("0.5"), to the millisecond.
std::chrono::milliseconds duration(std::string_view flag, std::string_view text, bool zero_allowed) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(seconds) || seconds < 0)
    throw usage_error("invalid value '" + std::string(text) + "' for " + std::string(flag) + " (seconds)");
  auto ms = std::chrono::milliseconds(std::llround(seconds * 1000));
  if (ms.count() == 0 && !zero_allowed)
    throw usage_error(std::string(flag) + " must be more than 0: with no time at all, every request would time out");
  return ms;
}

bool yes_no(std::string_view flag, std::string_view text) {
  if (text == "true" || text == "on" || text == "yes" || text == "1") return true;
  if (text == "false" || text == "off" || text == "no" || text == "0") return false;
  throw usage_error("invalid value '" + std::string(text) + "' for " + std::string(flag) + " (true or false)");
}

std::string setting_name(std::string_view flag) {
  std::string name(flag.substr(2));
  for (char& ch : name)
    if (ch == '-') ch = '_';
  return name;
}

const std::vector<option>& options() {
  using ms = std::chrono::milliseconds;
  auto count = [](const char* flag, std::size_t& (*field)(config&), std::size_t minimum,
                  std::size_t maximum = std::size_t(-1)) {
    return [flag, field, minimum, maximum](config& c, std::string_view v) {
      std::size_t n = number<std::size_t>(flag, v);
      if (n < minimum) throw usage_error(std::string(flag) + " must be at least " + std::to_string(minimum));
      if (n > maximum) throw usage_error(std::string(flag) + " must be at most " + std::to_string(maximum));
      field(c) = n;
    };
  };
  auto timeout = [](const char* flag, ms& (*field)(config&), bool zero_allowed) {
    return [flag, field, zero_allowed](config& c, std::string_view v) { field(c) = duration(flag, v, zero_allowed); };
  };
  static const std::vector<option> table = [&] {
  std::vector<option> table = {
      {"--host", "H", "address to listen on: an IP address, [IPv6] or a name such as localhost",
       [](config& c, std::string_view v) { c.server.host = v; }, [](const config& c) { return c.server.host; }, true},
      {"--port", "P", "port to listen on; 0 picks a free one",
       [](config& c, std::string_view v) { c.server.port = number<std::uint16_t>("--port", v); },
       [](const config& c) { return std::to_string(c.server.port); }, true},
      {"--uds", "PATH", "listen on this Unix socket instead of --host and --port",
       [](config& c, std::string_view v) { c.server.uds = v; }, [](const config& c) { return c.server.uds; }, true},
      {"--uds-mode", "MODE", "permission bits of the --uds socket, in octal",
       [](config& c, std::string_view v) {
         unsigned mode = 0;
         auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), mode, 8);
         if (ec != std::errc{} || end != v.data() + v.size() || mode > 0777)
           throw usage_error("invalid value '" + std::string(v) + "' for --uds-mode (octal, such as 660)");
         c.server.uds_mode = mode;
       },
       [](const config& c) {
         char text[8];
         std::snprintf(text, sizeof text, "%o", c.server.uds_mode);
         return std::string(text);
       },
       true},
      {"--workers", "N", "worker processes sharing the socket; auto: one per CPU",
       [](config& c, std::string_view v) {
         c.workers = v == "auto" ? std::max(1u, std::thread::hardware_concurrency()) : number<std::size_t>("--workers", v);
         if (c.workers < 1) throw usage_error("--workers must be at least 1");
       },
       [](const config& c) { return std::to_string(c.workers); }, true},
      {"--max-requests", "N", "replace a worker gracefully after N requests, give or take 10 % (0: never)",
       [](config& c, std::string_view v) { c.max_requests = number<std::uint64_t>("--max-requests", v); },
       [](const config& c) { return std::to_string(c.max_requests); }, true},
      {"--reload", nullptr, "restart the worker when a .py file under --app-dir (or, with --app alone, the current directory) changes (development only)",
       [](config& c, std::string_view v) {
         c.reload = yes_no("--reload", v);
         c.python.write_bytecode = !c.reload;
       },
       [](const config& c) { return std::string(c.reload ? "true" : "false"); }, true},
      {"--app-dir", "DIR", "directory put on sys.path; its modules are imported",
       [](config& c, std::string_view v) { c.python.app_dir = v; }, [](const config& c) { return c.python.app_dir; },
       true},
      {"--app", "MODULE:ATTR", "the snasio.App to serve (MODULE found in --app-dir or the current directory)",
       [](config& c, std::string_view v) {
         if (v.empty() || v.find(':') == 0) throw usage_error("--app takes MODULE:ATTRIBUTE, such as main:app");
         c.python.app = v;
       },
       [](const config& c) { return c.python.app; }, true},
      {"--openapi-path", "PATH", "where /openapi.json is served (\"\": nowhere)",
       [](config& c, std::string_view v) {
         if (!v.empty() && v[0] != '/') throw usage_error("--openapi-path must start with '/' (or be empty)");
         c.python.openapi_path = v;
       },
       [](const config& c) { return c.python.openapi_path; }},
      {"--module", "NAME", "module to import (repeatable; default: every *.py in --app-dir)",
       [](config& c, std::string_view v) { c.python.modules.emplace_back(v); },
       [](const config& c) {
         std::string names;
         for (const auto& m : c.python.modules) names += (names.empty() ? "" : ",") + m;
         return names;
       },
       true},
      {"--venv", "DIR", "virtual environment to use (default: $VIRTUAL_ENV, if set)",
       [](config& c, std::string_view v) {
         c.python.venv = std::filesystem::absolute(std::filesystem::path(v)).lexically_normal().string();
         c.python.venv_named_by = "--venv";
       },
       [](const config& c) { return c.python.venv; }, true},
      {"--queue-depth", "N", "Python requests waiting at once; more get 503",
       count("--queue-depth", [](config& c) -> std::size_t& { return c.python.queue_depth; }, 1),
       [](const config& c) { return std::to_string(c.python.queue_depth); }},
      {"--pool-workers", "N", "processes for use_process_pool routes (0: one per CPU)",
       count("--pool-workers", [](config& c) -> std::size_t& { return c.python.pool_workers; }, 0),
       [](const config& c) { return std::to_string(c.python.pool_workers); }},
      {"--blocking-threads", "N", "sync handlers that may be running (blocked) at once; and threads for the loop's blocking work",
       count("--blocking-threads", [](config& c) -> std::size_t& { return c.python.blocking_threads; }, 1),
       [](const config& c) { return std::to_string(c.python.blocking_threads); }},
      {"--gil-hold-warning", "S", "seconds a sync handler may hold the GIL before the log names it, once per route (0: never)",
       timeout("--gil-hold-warning", [](config& c) -> ms& { return c.python.gil_hold_warning; }, true),
       [](const config& c) { return show(c.python.gil_hold_warning); }},
      {"--max-json-depth", "N", "nesting bound for JSON bodies (400) and returned JSON (500); at most 1000",
       count("--max-json-depth", [](config& c) -> std::size_t& { return c.python.max_json_depth; }, 1,
             python::most_json_depth),
       [](const config& c) { return std::to_string(c.python.max_json_depth); }},
      {"--max-header-bytes", "N", "request line + headers, bytes; over it: 431",
       count("--max-header-bytes", [](config& c) -> std::size_t& { return c.server.limits.max_header_bytes; }, 1),
       [](const config& c) { return std::to_string(c.server.limits.max_header_bytes); }},
      {"--max-headers", "N", "header lines; over it: 431",
       count("--max-headers", [](config& c) -> std::size_t& { return c.server.limits.max_headers; }, 1),
       [](const config& c) { return std::to_string(c.server.limits.max_headers); }},
      {"--max-url-bytes", "N", "request-target length; over it: 414",
       count("--max-url-bytes", [](config& c) -> std::size_t& { return c.server.limits.max_url_bytes; }, 1),
       [](const config& c) { return std::to_string(c.server.limits.max_url_bytes); }},
      {"--max-body-bytes", "N", "request body, bytes; over it: 413",
       count("--max-body-bytes", [](config& c) -> std::size_t& { return c.server.limits.max_body_bytes; }, 0),
       [](const config& c) { return std::to_string(c.server.limits.max_body_bytes); }},
      {"--max-form-fields", "N", "fields of an url-encoded form body; over it: 413",
       count("--max-form-fields", [](config& c) -> std::size_t& { return c.server.limits.max_form_fields; }, 0),
       [](const config& c) { return std::to_string(c.server.limits.max_form_fields); }},
      {"--max-form-parts", "N", "parts of a multipart/form-data body; over it: 413",
       count("--max-form-parts", [](config& c) -> std::size_t& { return c.server.limits.max_form_parts; }, 0),
       [](const config& c) { return std::to_string(c.server.limits.max_form_parts); }},
      {"--header-timeout", "S", "seconds for a request's head to arrive; then 408",
       timeout("--header-timeout", [](config& c) -> ms& { return c.server.header_timeout; }, false),
       [](const config& c) { return show(c.server.header_timeout); }},
      {"--body-timeout", "S", "seconds for a request's body to arrive; then 408",
       timeout("--body-timeout", [](config& c) -> ms& { return c.server.body_timeout; }, false),
       [](const config& c) { return show(c.server.body_timeout); }},
      {"--keepalive-timeout", "S", "seconds an idle keep-alive connection stays open",
       timeout("--keepalive-timeout", [](config& c) -> ms& { return c.server.keepalive_timeout; }, false),
       [](const config& c) { return show(c.server.keepalive_timeout); }},
      {"--write-timeout", "S", "seconds a response may wait for a client that does not read",
       timeout("--write-timeout", [](config& c) -> ms& { return c.server.write_timeout; }, false),
       [](const config& c) { return show(c.server.write_timeout); }},
      {"--drain-timeout", "S", "seconds to finish requests after SIGINT/SIGTERM; then 503",
       timeout("--drain-timeout", [](config& c) -> ms& { return c.server.drain_timeout; }, true),
       [](const config& c) { return show(c.server.drain_timeout); }},
      {"--max-connections", "N", "open connections; more are closed at once",
       count("--max-connections", [](config& c) -> std::size_t& { return c.server.max_connections; }, 1),
       [](const config& c) { return std::to_string(c.server.max_connections); }},
      {"--max-pipelined", "N", "requests parsed ahead of their responses per connection",
       count("--max-pipelined", [](config& c) -> std::size_t& { return c.server.max_pipelined; }, 1),
       [](const config& c) { return std::to_string(c.server.max_pipelined); }},
      {"--max-unsent-bytes", "N", "answer bytes one connection may have waiting to be sent; past it it reads no more",
       count("--max-unsent-bytes", [](config& c) -> std::size_t& { return c.server.max_unsent_bytes; }, 1),
       [](const config& c) { return std::to_string(c.server.max_unsent_bytes); }},
      {"--max-request-id-bytes", "N", "an X-Request-ID kept up to this long; a longer one is replaced",
       count("--max-request-id-bytes", [](config& c) -> std::size_t& { return c.server.max_request_id_bytes; }, 1),
       [](const config& c) { return std::to_string(c.server.max_request_id_bytes); }},
      {"--stream-buffer-bytes", "N", "a streamed response's bytes waiting to be written before more are made",
       count("--stream-buffer-bytes", [](config& c) -> std::size_t& { return c.server.stream_buffer_bytes; }, 1),
       [](const config& c) { return std::to_string(c.server.stream_buffer_bytes); }},
      {"--log-level", "LEVEL", "the server's own messages shown: debug, info, warning or error",
       [](config& c, std::string_view v) {
         auto l = log::parse_level(v);
         if (!l) throw usage_error("invalid value '" + std::string(v) + "' for --log-level (debug, info, warning, error)");
         c.log_level = *l;
       },
       [](const config& c) {
         constexpr const char* names[] = {"debug", "info", "warning", "error"};
         return std::string(names[int(c.log_level)]);
       }},
      {"--access-log", nullptr, "a line per request on stdout (--access-log=false: none)",
       [](config& c, std::string_view v) { c.server.access_log = yes_no("--access-log", v); },
       [](const config& c) { return std::string(c.server.access_log ? "true" : "false"); }},
      {"--access-log-format", "F", "text, or json: one JSON object per line",
       [](config& c, std::string_view v) {
         if (v != "text" && v != "json")
           throw usage_error("invalid value '" + std::string(v) + "' for --access-log-format (text or json)");
         c.server.log_format = v == "json" ? net::access_log_format::json : net::access_log_format::text;
       },
       [](const config& c) {
         return std::string(c.server.log_format == net::access_log_format::json ? "json" : "text");
       }},
      {"--forwarded-allow-ips", "IPS", "proxies whose X-Forwarded-* are believed: addresses, CIDRs, unix (Unix-socket peers), * (every peer)",
       [](config& c, std::string_view v) {
         std::string bad;
         auto trusted = http::trusted_peers::parse(v, bad);
         if (!trusted)
           throw usage_error("invalid item '" + bad + "' in --forwarded-allow-ips (an address, a CIDR, unix or *)");
         c.server.forwarded_allow_ips = std::move(*trusted);
       },
       [](const config& c) { return c.server.forwarded_allow_ips.to_string(); }},
      {"--request-id-header", nullptr, "send each request's id back as X-Request-ID (false: do not)",
       [](config& c, std::string_view v) { c.server.request_id_header = yes_no("--request-id-header", v); },
       [](const config& c) { return std::string(c.server.request_id_header ? "true" : "false"); }},
      {"--request-id-format", "FORMAT", "the ids the server makes: short (a prefix and a count) or uuid (UUID-shaped)",
       [](config& c, std::string_view v) {
         if (v != "short" && v != "uuid")
           throw usage_error("invalid value '" + std::string(v) + "' for --request-id-format (short or uuid)");
         c.server.request_id_uuid = v == "uuid";
       },
       [](const config& c) { return std::string(c.server.request_id_uuid ? "uuid" : "short"); }},
  };
  add_middleware_options(table);
  return table;
  // The branches the compiler makes here only unwind a table half built when
  // building it throws (out of memory at start-up): no test can take them,
  // so the coverage report leaves them out (docs/testing.md).
  }();  // GCOVR_EXCL_BR_LINE
  return table;
}

}  // namespace snasio::app
