#include "app/shutdown_signals.hpp"

#include <csignal>
#include <cstdlib>

#include "log/log.hpp"

namespace snasio::app {

shutdown_signals::shutdown_signals(asio::io_context& io, std::function<void()> on_signal)
    : signals_(io, SIGINT, SIGTERM), on_signal_(std::move(on_signal)) {
  wait();
}

void shutdown_signals::cancel() {
  asio::error_code ignored;
  signals_.cancel(ignored);
}

void shutdown_signals::wait() {
  signals_.async_wait([this](const asio::error_code& ec, int) {
    if (ec) return;
    if (signalled_) {
      // The operator insists: no more draining.
      log::line("second signal, exiting now");
      std::_Exit(1);
    }
    signalled_ = true;
    wait();
    on_signal_();
  });
}

}  // namespace snasio::app
