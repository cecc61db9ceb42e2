#include "net/server.hpp"

#include <sys/resource.h>

#include "log/log.hpp"

namespace snasio::net {

namespace {
// Out of descriptors, the listening socket is not looked at again until a
// connection closes, or this long has passed (another descriptor, such as a
// file a handler had open, may have been freed meanwhile).
constexpr std::chrono::milliseconds accept_backoff{100};

// accept() failed for want of a resource the process or the system ran out
// of: trying again at once would fail the same way, as fast as it can.
bool out_of_resources(const asio::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == std::errc::too_many_files_open_in_system ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

std::string descriptor_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return "unknown";
  return std::to_string(rl.rlim_cur);
}
}  // namespace

server::server(asio::io_context& io, server_options options, request_handler& handler)
    : io_(io),
      options_(std::move(options)),
      connections_(io.get_executor(), options_, handler),
      resume_timer_(io) {
  connections_.on_closed([this] { resume_accepting(); });
}

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
  if (out_of_resources(ec)) return pause_accepting(ec);
  if (!ec) connections_.start(std::move(socket));
  // Other accept errors (a client that left, ECONNABORTED) concern one connection only.
  do_accept();
}

void server::pause_accepting(const asio::error_code& ec) {
  // New clients wait in the listen queue meanwhile; the ones connected are served.
  paused_ = true;
  if (std::size_t n = out_of_descriptors_.count())
    log::line(log::level::warning, "cannot accept a connection: " + ec.message() + " (the descriptor limit, " +
                                       "RLIMIT_NOFILE, is " + descriptor_limit() + "; " +
                                       std::to_string(connections_.size()) + " connections open; " +
                                       std::to_string(n) + " failed accept(s) since the last report): "
                                       "accepting again when one closes");
  resume_timer_.expires_after(accept_backoff);
  resume_timer_.async_wait([this](const asio::error_code& e) {
    if (!e) resume_accepting();
  });
}

void server::resume_accepting() {
  if (!paused_ || stopping_) return;
  paused_ = false;
  resume_timer_.cancel();
  do_accept();
}

void server::stop(std::function<void()> on_drained) {
  if (stopping_) return;
  stopping_ = true;
  resume_timer_.cancel();
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
