#include "net/server.hpp"

#include <sys/resource.h>

namespace snasio::net {

server::server(asio::io_context& io, server_options options, request_handler& handler)
    : io_(io), options_(std::move(options)), connections_(io.get_executor(), options_, handler) {}

void server::listen() { listener_ = std::make_unique<listener>(io_.get_executor(), options_); }

void server::set_options(const server_options& options) {
  server_options kept = options;
  kept.host = options_.host;
  kept.port = options_.port;
  kept.uds = options_.uds;
  kept.uds_mode = options_.uds_mode;
  kept.listen_fd = options_.listen_fd;
  options_ = std::move(kept);
}

void server::start() { do_accept(); }

void server::do_accept() {
  listener_->socket().async_accept([this](const asio::error_code& ec, stream_socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void server::on_accept(const asio::error_code& ec, stream_socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  if (!ec) connections_.start(std::move(socket));
  // Transient accept errors (EMFILE, ECONNABORTED) must not stop the server.
  do_accept();
}

void server::stop(std::function<void()> on_drained) {
  if (stopping_) return;
  stopping_ = true;
  if (listener_) listener_->close();
  connections_.drain(std::move(on_drained));
}

void raise_open_file_limit() {
  // The default soft limit (often 1024) is far below what --max-connections
  // allows; the hard limit is what the administrator actually granted.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace snasio::net
