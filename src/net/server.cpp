#include "net/server.hpp"

#include <sys/resource.h>

#include <system_error>

namespace snasio::net {

server::server(asio::io_context& io, server_options options, request_handler& handler)
    : options_(std::move(options)), acceptor_(io), connections_(io.get_executor(), options_, handler) {}

void server::listen() {
  // An address as written, "[::1]" as in a URL, or a name to look up
  // ("localhost"): the first address it resolves to is the one bound.
  std::string host = options_.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  asio::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    asio::ip::tcp::resolver resolver(acceptor_.get_executor());
    auto results = resolver.resolve(host, std::to_string(options_.port), asio::ip::tcp::resolver::passive, ec);
    if (ec || results.empty()) throw std::system_error(ec, "cannot resolve --host '" + options_.host + "'");
    address = results.begin()->endpoint().address();
  }
  asio::ip::tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint, ec);
  if (ec) throw std::system_error(ec, "cannot bind --host " + options_.host + " --port " + std::to_string(options_.port));
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

asio::ip::tcp::endpoint server::local_endpoint() const { return acceptor_.local_endpoint(); }

std::string server::url() const {
  auto ep = local_endpoint();
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(ep.port());
}

void server::set_options(const server_options& options) {
  server_options kept = options;
  kept.host = options_.host;
  kept.port = options_.port;
  options_ = std::move(kept);
}

void server::start() { do_accept(); }

void server::do_accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void server::on_accept(const asio::error_code& ec, asio::ip::tcp::socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) return;
  if (!ec) connections_.start(std::move(socket));
  // Transient accept errors (EMFILE, ECONNABORTED) must not stop the server.
  do_accept();
}

void server::stop(std::function<void()> on_drained) {
  if (stopping_) return;
  stopping_ = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
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
