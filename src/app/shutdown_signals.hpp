#pragma once

#include <functional>

#include <asio.hpp>

namespace snasio::app {

/// Owns SIGINT/SIGTERM: the first signal calls `on_signal` (a graceful stop);
/// a second one exits the process at once. The interpreter installs no
/// handlers of its own.
class shutdown_signals {
 public:
  shutdown_signals(asio::io_context& io, std::function<void()> on_signal);
  /// Stops listening for signals (the service has stopped).
  void cancel();

 private:
  void wait();

  asio::signal_set signals_;
  std::function<void()> on_signal_;
  bool signalled_ = false;
};

}  // namespace snasio::app
