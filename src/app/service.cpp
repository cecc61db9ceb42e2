#include "app/service.hpp"

#include <cstdio>

#include "app/processes.hpp"
#include "log/log.hpp"
#include "net/brief_wait.hpp"
#include "python/errors.hpp"

namespace snasio::app {

namespace {
// While at most this many Python requests are in flight (low load: a
// spinning reactor costs CPU, which under load the GIL thread needs), the
// reactor looks for their replies briefly before it sleeps (net::brief_wait).
constexpr std::uint64_t low_load_in_flight = 2;

// After the drain timeout, how long Python gets to cancel what it still runs,
// stop its pools and finalize, before the process exits without it.
constexpr std::chrono::milliseconds python_grace{1000};

// An import's failure in one line, for a client to read: the start-up
// error's first line, the traceback's last, and the place it points at
// ("cannot import module 'views': SyntaxError: expected ':' (at
// "/srv/app/views.py", line 4)").
std::string one_line(std::string_view error) {
  std::string_view first = error.substr(0, error.find('\n')), last, place;
  for (std::size_t at = 0, end; at < error.size(); at = end + 1) {
    end = std::min(error.find('\n', at), error.size());
    std::string_view line = error.substr(at, end - at);
    if (line.starts_with("  File \"")) place = line.substr(7);
    if (!line.empty() && line[0] != ' ') last = line;
  }
  if (first.ends_with(':')) first.remove_suffix(1);
  std::string out(first);
  if (!last.empty() && last != first) out += ": " + std::string(last);
  if (!place.empty()) out += " (at " + std::string(place) + ")";
  return out;
}

std::string seconds(std::chrono::steady_clock::duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", std::chrono::duration<double>(d).count());
  return text;
}
}  // namespace

service::service(asio::io_context& io, config cfg)
    : io_(io),
      config_(std::move(cfg)),
      python_(config_.python, io.get_executor()),
      server_(io, config_.server, dispatcher_),
      python_deadline_(io) {
  log::set_level(config_.log_level);
}

void service::add_native(std::vector<std::string> methods, std::string_view pattern, native_handler h) {
  dispatcher_.add_native(std::move(methods), pattern, std::move(h));
}

void service::start(std::function<void()> on_stopped) {
  on_stopped_ = on_stopped ? std::move(on_stopped) : [this] { io_.stop(); };
  server_.listen();
  bool imported = false;
  try {
    imported = import_app();
  } catch (const python::startup_error& e) {
    if (!config_.reload) throw;
    // Under --reload a broken app is a moment in an edit: its traceback is
    // logged once, each request it would have served is a 500 that names the
    // error, and the supervisor starts another worker when a .py file changes.
    std::string what = e.what();
    while (what.ends_with('\n')) what.pop_back();
    log::line(log::level::error, what);
    log::line(log::level::warning, "--reload: answering 500 until a .py file changes");
    dispatcher_.app_unavailable("the app cannot be imported: " + one_line(e.what()));
  }
  dispatcher_.set_middleware(config_.middleware, io_.get_executor());
  if (imported) {
    dispatcher_.set_limits(config_.server.limits);
    dispatcher_.add_python(python_);
    if (!python_.openapi().empty())  // made once, at import, from the plans: served natively
      dispatcher_.add_native({"GET"}, config_.python.openapi_path,
                             [document = python_.openapi()](const http::request&, const path_params&) {
                               return http::response::json(200, document);
                             });
    python_.serve(config_.python);  // the start-up hooks run here
    if (python_.routes().empty())
      log::line(log::level::warning,
                "no route was found: " + python::why_no_routes(config_.python) + ": serving the native routes only");
  } else if (config_.python.app_dir.empty() && config_.python.modules.empty() && config_.python.app.empty()) {
    log::line(log::level::warning, "no --app-dir or --module given: serving the native routes only");
  }
  for (const auto& line : dispatcher_.route_table()) log::line("route " + line);
  if (config_.server.forwarded_allow_ips.everyone)
    log::line(log::level::warning, "--forwarded-allow-ips '*': every peer may name the client and the scheme "
                                   "(X-Forwarded-For, X-Forwarded-Proto, Forwarded); only behind a proxy that "
                                   "overwrites them");
  if (config_.max_requests > 0)
    dispatcher_.after_requests(config_.max_requests, [this] {
      asio::post(io_, [this] {
        log::line("served " + std::to_string(config_.max_requests) + " requests (--max-requests): stopping to be replaced");
        stop();
      });
    });
  signals_ = std::make_unique<shutdown_signals>(
      io_,
      [this](int signo) {
        log::line("received " + signal_name(signo) + ": stopping");
        stop();
      },
      [this](int signo) { exit_at_once(signo); });
  server_.start();
}

// The GIL thread starts the interpreter and imports the app before anything
// is served, so a broken app stops start-up with its traceback; the app's
// settings then apply where the command line left a default.
bool service::import_app() {
  if (config_.python.app_dir.empty() && config_.python.modules.empty() && config_.python.app.empty()) return false;
  try {
    apply_app_settings(config_, python_.start().settings);
  } catch (const usage_error& e) {
    throw python::startup_error(e.what());
  }
  log::set_level(config_.log_level);
  server_.set_options(config_.server);
  return true;
}

std::string service::print_config() {
  import_app();
  return describe(config_);
}

void service::run() {
  while (!io_.stopped()) {
    if (io_.poll() > 0) continue;  // it had work: look again at once
    // Nothing ready. At low load, a Python reply may be a moment away: look
    // briefly before sleeping, but only right after work, never for as long
    // as requests merely wait (a handler asleep for seconds).
    std::uint64_t in_flight = python_.in_flight();
    if (in_flight > 0 && in_flight <= low_load_in_flight && net::wait_briefly([this] { return io_.poll() > 0; }))
      continue;
    io_.run_one();  // sleep until the next event
  }
}

void service::stop() {
  if (stopping_) return;
  stopping_ = true;
  stop_began_ = clock::now();
  server_.stop([this] { on_drained(); });
  dispatcher_.draining();
  const auto& r = server_.drain_summary();
  log::line("draining " + std::to_string(r.connections) + " connection(s) with " + std::to_string(r.in_flight) +
            " request(s) in flight (--drain-timeout " + seconds(config_.server.drain_timeout) + ")");
}

void service::on_drained() {
  const auto& r = server_.drain_summary();
  log::line("drained in " + seconds(r.took) + ": " + std::to_string(r.answered) + " answered, " +
            std::to_string(r.cancelled) + " cancelled with 503, " + std::to_string(r.abandoned) +
            " abandoned by their clients");
  // Every connection is closed: the GIL thread finishes, the pools stop, the
  // interpreter finalizes, with what is left of the drain timeout and a grace.
  python_deadline_.expires_at(std::max(clock::now(), stop_began_ + config_.server.drain_timeout) + python_grace);
  python_deadline_.async_wait([this](const asio::error_code& ec) {
    if (!ec) give_up_on_python();
  });
  python_.stop([this] { on_python_stopped(); });
}

void service::on_python_stopped() {
  python_deadline_.cancel();
  python_.join();  // the thread has finished: this does not wait
  signals_->cancel();
  log::line("stopped in " + seconds(clock::now() - stop_began_));
  on_stopped_();
}

void service::give_up_on_python() {
  // Python threads cannot be killed, and finalizing the interpreter would wait
  // for them: say what is left, make sure no child outlives us, and exit.
  log::line(log::level::warning, "Python did not finish within the drain timeout: abandoning " + python_.describe_running() +
            "; exiting without finalizing the interpreter");
  python_.detach();
  kill_descendants();
  server_.flush_access_log();
  exit_now(0);
}

void service::exit_at_once(int signo) {
  log::line(log::level::warning, "second signal (" + signal_name(signo) + "): exiting now, without draining");
  kill_descendants();
  server_.flush_access_log();
  exit_now(1);
}

}  // namespace snasio::app
