#pragma once

#include <functional>

#include <asio.hpp>

namespace snasio::net {

class server;

/// Owns SIGINT/SIGTERM for a server: the first signal stops it gracefully and
/// calls `on_drained` once every connection is closed; a second one exits the
/// process at once. The interpreter never installs handlers of its own.
class shutdown_signals {
 public:
  shutdown_signals(asio::io_context& io, server& srv, std::function<void()> on_drained);

 private:
  void wait();

  asio::signal_set signals_;
  server& server_;
  std::function<void()> on_drained_;
  bool stopping_ = false;
};

}  // namespace snasio::net
