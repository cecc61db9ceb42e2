#include "net/server.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <system_error>

namespace snasio::net {

server::server(asio::io_context& io, server_options options, request_handler& handler)
    : options_(std::move(options)), acceptor_(io), connections_(io.get_executor(), options_, handler) {}

server::~server() { remove_socket_file(); }

void server::listen() {
  if (options_.listen_fd >= 0) {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    ::getsockname(options_.listen_fd, reinterpret_cast<sockaddr*>(&address), &size);
    int family = address.ss_family;
    acceptor_.assign(asio::generic::stream_protocol(family, family == AF_UNIX ? 0 : IPPROTO_TCP), options_.listen_fd);
    return;
  }
  if (!options_.uds.empty()) return listen_unix();
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
  asio::generic::stream_protocol::endpoint endpoint{asio::ip::tcp::endpoint(address, options_.port)};
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint, ec);
  if (ec) throw std::system_error(ec, "cannot bind --host " + options_.host + " --port " + std::to_string(options_.port));
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void server::listen_unix() {
  const std::string& path = options_.uds;
  // A socket file left by a server that died is replaced; one a live server
  // answers on is not, and nothing but a socket is ever removed.
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) throw std::system_error(EEXIST, std::generic_category(), "--uds " + path + " exists and is not a socket");
    asio::local::stream_protocol::socket probe(acceptor_.get_executor());
    asio::error_code in_use;
    probe.connect(asio::local::stream_protocol::endpoint(path), in_use);
    if (!in_use) throw std::system_error(EADDRINUSE, std::generic_category(), "--uds " + path + ": a server is listening on it");
    ::unlink(path.c_str());
  }
  asio::generic::stream_protocol::endpoint endpoint{asio::local::stream_protocol::endpoint(path)};
  asio::error_code ec;
  acceptor_.open(endpoint.protocol());
  acceptor_.bind(endpoint, ec);
  if (ec) throw std::system_error(ec, "cannot bind --uds " + path);
  owns_socket_file_ = true;
  if (::chmod(path.c_str(), options_.uds_mode) != 0)
    throw std::system_error(errno, std::generic_category(), "cannot set the mode of --uds " + path);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

int server::release_listener() {
  owns_socket_file_ = false;
  return acceptor_.release();
}

void server::remove_socket_file() {
  if (owns_socket_file_) ::unlink(options_.uds.c_str());
  owns_socket_file_ = false;
}

std::string server::url() const {
  if (!options_.uds.empty()) return "unix:" + options_.uds;
  asio::ip::tcp::endpoint ep;
  auto generic = acceptor_.local_endpoint();
  std::memcpy(ep.data(), generic.data(), generic.size());
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(ep.port());
}

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
  acceptor_.async_accept([this](const asio::error_code& ec, stream_socket socket) {
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
  asio::error_code ignored;
  acceptor_.close(ignored);
  remove_socket_file();
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
