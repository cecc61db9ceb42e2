#include "app/shutdown_signals.hpp"

#include <csignal>

namespace snasio::app {

namespace {
// One Ctrl-C in a terminal can arrive twice: the terminal signals the whole
// process group, and a wrapper such as `just` forwards what it got to its
// child. A second signal sooner than this after the first is that same one;
// an operator who insists sends it again later.
constexpr std::chrono::milliseconds same_signal_window{1000};
}  // namespace

shutdown_signals::shutdown_signals(asio::io_context& io, std::function<void(int)> on_signal,
                                   std::function<void(int)> on_insist)
    : signals_(io, SIGINT, SIGTERM), on_signal_(std::move(on_signal)), on_insist_(std::move(on_insist)) {
  wait();
}

void shutdown_signals::cancel() {
  asio::error_code ignored;
  signals_.cancel(ignored);
}

void shutdown_signals::wait() {
  signals_.async_wait([this](const asio::error_code& ec, int signo) {
    if (ec) return;
    auto now = std::chrono::steady_clock::now();
    if (!signalled_) {
      signalled_ = true;
      first_at_ = now;
      wait();
      return on_signal_(signo);
    }
    wait();
    if (now - first_at_ >= same_signal_window) on_insist_(signo);
  });
}

}  // namespace snasio::app
