#pragma once

#include <chrono>
#include <functional>

#include <asio.hpp>

namespace snasio::app {

/// Owns SIGINT/SIGTERM: the first signal calls `on_signal` (a graceful stop);
/// a second, separate one calls `on_insist` (stop at once). The interpreter
/// installs no handlers of its own.
class shutdown_signals {
 public:
  shutdown_signals(asio::io_context& io, std::function<void(int)> on_signal, std::function<void(int)> on_insist);
  /// Stops listening for signals (the service has stopped).
  void cancel();

 private:
  void wait();

  asio::signal_set signals_;
  std::function<void(int)> on_signal_;
  std::function<void(int)> on_insist_;
  std::chrono::steady_clock::time_point first_at_;
  bool signalled_ = false;
};

}  // namespace snasio::app
