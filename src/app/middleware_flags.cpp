// The flags of the middleware the reactor runs around the routes: CORS,
// compression, static files, rate limits, the handlers' deadline. An app
// sets the same through App.cors(), compression(), static(), rate_limit()
// and configure(request_timeout=...).
#include <charconv>
#include <cmath>
#include <cstdio>

#include "app/flags.hpp"

namespace snasio::app {

namespace {
std::vector<std::string> list(std::string_view text) {
  std::vector<std::string> items;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = std::min(text.find(',', at), text.size());
    std::string_view item = http::trim(text.substr(at, end - at));
    if (!item.empty()) items.emplace_back(item);
    at = end + 1;
  }
  return items;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

double positive(std::string_view flag, std::string_view text) {
  double n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(n) || n <= 0)
    throw usage_error("invalid value '" + std::string(text) + "' for " + std::string(flag) + " (a number above 0)");
  return n;
}

// A whole number of at least `least` as `flag`'s value.
template <class Int>
Int whole(std::string_view flag, std::string_view text, Int least) {
  Int n{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n < least)
    throw usage_error("invalid value '" + std::string(text) + "' for " + std::string(flag) + " (a whole number, at least " +
                      std::to_string(least) + ")");
  return n;
}

std::string number_text(double n) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", n);
  return text;
}

// One mount: PREFIX=DIR, then options after '|': index=false, symlinks=true, cache=VALUE.
middleware::static_mount mount(std::string_view text) {
  std::size_t eq = text.find('='), bar = std::min(text.find('|'), text.size());
  if (eq == std::string_view::npos || eq > bar || eq == 0 || text[0] != '/' || eq + 1 == bar)
    throw usage_error("invalid value '" + std::string(text) + "' for --static (PREFIX=DIR, such as /public=./public)");
  middleware::static_mount m;
  m.prefix = text.substr(0, eq);
  m.dir = text.substr(eq + 1, bar - eq - 1);
  for (std::size_t at = bar + 1; at < text.size();) {
    std::size_t end = std::min(text.find('|', at), text.size());
    std::string_view o = text.substr(at, end - at);
    if (o.starts_with("index=")) m.index = yes_no("--static index", o.substr(6));
    else if (o.starts_with("symlinks=")) m.follow_symlinks = yes_no("--static symlinks", o.substr(9));
    else if (o.starts_with("cache=")) m.cache_control = o.substr(6);
    else throw usage_error("unknown option '" + std::string(o) + "' in --static (index=, symlinks=, cache=)");
    at = end + 1;
  }
  return m;
}

std::string describe(const middleware::static_mount& m) {
  std::string out = m.prefix + "=" + m.dir;
  if (!m.index) out += "|index=false";
  if (m.follow_symlinks) out += "|symlinks=true";
  if (!m.cache_control.empty()) out += "|cache=" + m.cache_control;
  return out;
}
}  // namespace

void add_middleware_options(std::vector<option>& table) {
  using strings = std::vector<std::string>& (*)(config&);
  auto list_option = [](const char* flag, const char* help, strings field) {
    return option{flag, "LIST", help, [field](config& c, std::string_view v) { field(c) = list(v); },
                  [field](const config& c) { return joined(field(const_cast<config&>(c))); }};
  };
  std::vector<option> more = {
      list_option("--cors-allow-origins", "origins allowed cross-origin requests, comma-separated (*: any); CORS is off without one",
                  [](config& c) -> std::vector<std::string>& { return c.middleware.cors.origins; }),
      {"--cors-allow-origin-regex", "RE", "or origins matching this regular expression whole (RE2)",
       [](config& c, std::string_view v) {
         middleware::cors_policy p;  // compiled once here, so a bad pattern is a usage error
         p.origin_pattern = v;
         try {
           middleware::cors().configure(p);
         } catch (const std::invalid_argument& e) {
           throw usage_error(e.what());
         }
         c.middleware.cors.origin_pattern = v;
       },
       [](const config& c) { return c.middleware.cors.origin_pattern; }},
      list_option("--cors-allow-methods", "methods a preflight allows",
                  [](config& c) -> std::vector<std::string>& { return c.middleware.cors.methods; }),
      list_option("--cors-allow-headers", "request headers a preflight allows (*: any)",
                  [](config& c) -> std::vector<std::string>& { return c.middleware.cors.headers; }),
      list_option("--cors-expose-headers", "response headers a page may read",
                  [](config& c) -> std::vector<std::string>& { return c.middleware.cors.expose; }),
      {"--cors-allow-credentials", nullptr, "cross-origin requests may carry cookies and credentials",
       [](config& c, std::string_view v) { c.middleware.cors.credentials = yes_no("--cors-allow-credentials", v); },
       [](const config& c) { return std::string(c.middleware.cors.credentials ? "true" : "false"); }},
      {"--cors-max-age", "N", "seconds a browser may cache a preflight's answer",
       [](config& c, std::string_view v) { c.middleware.cors.max_age = whole("--cors-max-age", v, 0); },
       [](const config& c) { return std::to_string(c.middleware.cors.max_age); }},
      {"--cors-allow-private-network", nullptr, "answer preflights that ask for private network access",
       [](config& c, std::string_view v) { c.middleware.cors.private_network = yes_no("--cors-allow-private-network", v); },
       [](const config& c) { return std::string(c.middleware.cors.private_network ? "true" : "false"); }},
      {"--compress", "LIST", "codings to compress answers with: gzip, br (none: off)",
       [](config& c, std::string_view v) {
         auto& p = c.middleware.compression;
         p.gzip = p.brotli = false;
         for (const auto& name : list(v)) {
           if (name == "gzip") p.gzip = true;
           else if (name == "br") p.brotli = true;
           else if (name != "none") throw usage_error("invalid coding '" + name + "' for --compress (gzip, br or none)");
         }
       },
       [](const config& c) {
         const auto& p = c.middleware.compression;
         return std::string(p.gzip && p.brotli ? "gzip,br" : p.gzip ? "gzip" : p.brotli ? "br" : "none");
       }},
      {"--compress-min-bytes", "N", "bodies smaller than this are sent as they are",
       [](config& c, std::string_view v) {
         c.middleware.compression.min_size = whole<std::size_t>("--compress-min-bytes", v, 0);
       },
       [](const config& c) { return std::to_string(c.middleware.compression.min_size); }},
      {"--compress-level", "N", "gzip 1-9, brotli 0-11 (capped at each one's highest)",
       [](config& c, std::string_view v) { c.middleware.compression.quality = whole("--compress-level", v, 0); },
       [](const config& c) { return std::to_string(c.middleware.compression.quality); }},
      list_option("--compress-types", "media types compressed (type/* for a family)",
                  [](config& c) -> std::vector<std::string>& { return c.middleware.compression.types; }),
      {"--compress-event-streams", nullptr, "compress text/event-stream too (each event flushed)",
       [](config& c, std::string_view v) { c.middleware.compression.event_streams = yes_no("--compress-event-streams", v); },
       [](const config& c) { return std::string(c.middleware.compression.event_streams ? "true" : "false"); }},
      {"--static", "PREFIX=DIR", "serve DIR's files under PREFIX natively (repeatable; options after |: index=false, symlinks=true, cache=VALUE)",
       [](config& c, std::string_view v) {
         if (v.empty()) throw usage_error("--static takes PREFIX=DIR, such as /public=./public");
         for (std::size_t at = 0; at < v.size();) {  // an app's mounts come one per line
           std::size_t end = std::min(v.find('\n', at), v.size());
           c.middleware.statics.push_back(mount(v.substr(at, end - at)));
           at = end + 1;
         }
       },
       [](const config& c) {
         std::string out;
         for (const auto& m : c.middleware.statics) out += (out.empty() ? "" : " ") + describe(m);
         return out;
       }},
      {"--rate-limit", "RATE[/BURST]", "requests per second per client address, with a burst (default: RATE); over it: 429",
       [](config& c, std::string_view v) {
         std::size_t slash = v.find('/');
         c.middleware.rate.per_second = positive("--rate-limit", v.substr(0, slash));
         c.middleware.rate.burst = slash == std::string_view::npos ? std::max(1.0, c.middleware.rate.per_second)
                                                                   : positive("--rate-limit", v.substr(slash + 1));
       },
       [](const config& c) {
         const auto& r = c.middleware.rate;
         return r.enabled() ? number_text(r.per_second) + "/" + number_text(r.burst) : std::string();
       }},
      {"--rate-limit-clients", "N", "client addresses each rate limiter remembers (memory bound)",
       [](config& c, std::string_view v) {
         c.middleware.rate_limit_clients = whole<std::size_t>("--rate-limit-clients", v, 1);
       },
       [](const config& c) { return std::to_string(c.middleware.rate_limit_clients); }},
      {"--request-timeout", "S", "seconds a handler may take; then 408, and the handler is cancelled or abandoned (0: no limit)",
       [](config& c, std::string_view v) { c.middleware.request_timeout = duration("--request-timeout", v, true); },
       [](const config& c) { return number_text(std::chrono::duration<double>(c.middleware.request_timeout).count()); }},
  };
  for (auto& o : more) table.push_back(std::move(o));
}

}  // namespace snasio::app
