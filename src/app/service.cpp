#include "app/service.hpp"

#include <chrono>

#include "log/log.hpp"

namespace snasio::app {

namespace {
// A reactor asleep in epoll takes tens of microseconds to wake here, and a
// Python request wakes it once for its reply: at one connection that is a
// third of the latency. So while at most this many Python requests are in
// flight (low load: a spinning reactor costs CPU, which under load the GIL
// thread needs), the reactor polls for their replies instead of sleeping...
constexpr std::uint64_t low_load_in_flight = 2;
// ...for at most this long after it last had work, then sleeps as usual.
constexpr std::chrono::microseconds reply_wait{200};
}  // namespace

service::service(asio::io_context& io, config cfg)
    : io_(io),
      config_(std::move(cfg)),
      python_(config_.python, io.get_executor()),
      server_(io, config_.server, dispatcher_) {}

void service::add_native(std::vector<std::string> methods, std::string_view pattern, native_handler h) {
  dispatcher_.add_native(std::move(methods), pattern, std::move(h));
}

void service::start(std::function<void()> on_stopped) {
  on_stopped_ = on_stopped ? std::move(on_stopped) : [this] { io_.stop(); };
  // The GIL thread starts the interpreter and imports the app before anything
  // is served, so a broken app stops start-up with its traceback.
  if (!config_.python.app_dir.empty() || !config_.python.modules.empty()) {
    python_.start();
    dispatcher_.add_python(python_);
  }
  for (const auto& line : dispatcher_.route_table()) log::line("route " + line);
  server_.listen();
  // The first SIGINT/SIGTERM drains the connections, then stops the rest.
  signals_ = std::make_unique<shutdown_signals>(io_, [this] { stop(); });
  server_.start();
}

void service::run() {
  using clock = std::chrono::steady_clock;
  while (!io_.stopped()) {
    if (io_.poll() > 0) continue;
    std::uint64_t in_flight = python_.in_flight();
    if (in_flight == 0 || in_flight > low_load_in_flight) {
      io_.run_one();
      continue;
    }
    // Each poll is one epoll_wait(0): replies and new requests both count.
    for (auto until = clock::now() + reply_wait; clock::now() < until && !io_.stopped();)
      if (io_.poll() > 0) break;
  }
}

void service::stop() {
  server_.stop([this] {
    // Every connection is closed: let the GIL thread finish, shut the pools
    // down and finalize the interpreter.
    python_.stop();
    signals_->cancel();
    on_stopped_();
  });
}

}  // namespace snasio::app
