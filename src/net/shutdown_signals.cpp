#include "net/shutdown_signals.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "net/server.hpp"

namespace snasio::net {

shutdown_signals::shutdown_signals(asio::io_context& io, server& srv, std::function<void()> on_drained)
    : signals_(io, SIGINT, SIGTERM), server_(srv), on_drained_(std::move(on_drained)) {
  wait();
}

void shutdown_signals::wait() {
  signals_.async_wait([this](const asio::error_code& ec, int) {
    if (ec) return;
    if (stopping_) {
      // The operator insists: no more draining.
      std::fputs("snasio: second signal, exiting now\n", stderr);
      std::_Exit(1);
    }
    stopping_ = true;
    wait();
    server_.stop(on_drained_);
  });
}

}  // namespace snasio::net
