#include "net/server.hpp"

#include <sys/resource.h>

#include <system_error>

#include "net/connection.hpp"
#include "net/request_handler.hpp"

namespace snasio::net {

server::server(asio::io_context& io, server_options options, request_handler& handler)
    : io_(io), options_(std::move(options)), handler_(handler), acceptor_(io), drain_timer_(io) {}

void server::listen() {
  asio::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) throw std::system_error(ec, "invalid --host '" + options_.host + "'");
  asio::ip::tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint, ec);
  if (ec) throw std::system_error(ec, "cannot bind " + options_.host + ":" + std::to_string(options_.port));
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

asio::ip::tcp::endpoint server::local_endpoint() const { return acceptor_.local_endpoint(); }

std::string server::url() const {
  auto ep = local_endpoint();
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(ep.port());
}

void server::start() { do_accept(); }

void server::do_accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void server::on_accept(const asio::error_code& ec, asio::ip::tcp::socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  if (!ec) {
    // Past the connection limit a new connection is closed at once; the ones
    // already open keep being served.
    if (connections_.size() >= options_.max_connections) {
      asio::error_code ignored;
      socket.close(ignored);
    } else {
      socket.set_option(asio::ip::tcp::no_delay(true));
      auto c = std::make_shared<connection>(std::move(socket), *this);
      connections_.emplace(c.get(), c);
      c->start();
    }
  }
  // Transient accept errors (EMFILE, ECONNABORTED) must not stop the server.
  do_accept();
}

void server::remove(connection* c) {
  // The connection may still be running one of its own handlers; post the
  // release so it is not destroyed under its own feet.
  auto it = connections_.find(c);
  if (it == connections_.end()) return;
  asio::post(io_, [keep = std::move(it->second)] {});
  connections_.erase(it);
  if (stopping_) check_drained();
}

void server::stop(std::function<void()> on_drained) {
  if (stopping_) return;
  stopping_ = true;
  on_drained_ = std::move(on_drained);
  asio::error_code ignored;
  acceptor_.close(ignored);
  // drain() may close a connection, which removes it from the map: iterate a copy.
  auto open = connections_;
  for (auto& [raw, c] : open) c->drain();
  drain_timer_.expires_after(options_.drain_timeout);
  drain_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    auto left = connections_;
    for (auto& [raw, c] : left) c->close();
    check_drained();
  });
  check_drained();
}

void server::check_drained() {
  if (!connections_.empty() || !on_drained_) return;
  drain_timer_.cancel();
  auto done = std::move(on_drained_);
  on_drained_ = nullptr;
  done();
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
