#include "net/listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <system_error>

namespace snasio::net {

listener::listener(asio::any_io_executor executor, const server_options& options)
    : acceptor_(std::move(executor)), uds_(options.uds) {
  if (options.listen_fd >= 0) {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    ::getsockname(options.listen_fd, reinterpret_cast<sockaddr*>(&address), &size);
    int family = address.ss_family;
    acceptor_.assign(asio::generic::stream_protocol(family, family == AF_UNIX ? 0 : IPPROTO_TCP), options.listen_fd);
    return;
  }
  if (!options.uds.empty()) bind_unix(options);
  else bind_tcp(options);
}

listener::~listener() { close(); }

void listener::bind_tcp(const server_options& options) {
  // An address as written, "[::1]" as in a URL, or a name to look up
  // ("localhost"): the first address it resolves to is the one bound.
  std::string host = options.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  asio::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    asio::ip::tcp::resolver resolver(acceptor_.get_executor());
    auto results = resolver.resolve(host, std::to_string(options.port), asio::ip::tcp::resolver::passive, ec);
    if (ec || results.empty()) throw std::system_error(ec, "cannot resolve --host '" + options.host + "'");
    address = results.begin()->endpoint().address();
  }
  asio::generic::stream_protocol::endpoint endpoint{asio::ip::tcp::endpoint(address, options.port)};
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint, ec);
  if (ec) throw std::system_error(ec, "cannot bind --host " + options.host + " --port " + std::to_string(options.port));
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void listener::bind_unix(const server_options& options) {
  const std::string& path = options.uds;
  // A socket file left by a server that died is replaced; one a live server
  // answers on is not, and nothing but a socket is ever removed.
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      throw std::system_error(EEXIST, std::generic_category(), "--uds " + path + " exists and is not a socket");
    asio::local::stream_protocol::socket probe(acceptor_.get_executor());
    asio::error_code in_use;
    probe.connect(asio::local::stream_protocol::endpoint(path), in_use);
    if (!in_use)
      throw std::system_error(EADDRINUSE, std::generic_category(), "--uds " + path + ": a server is listening on it");
    ::unlink(path.c_str());
  }
  asio::generic::stream_protocol::endpoint endpoint{asio::local::stream_protocol::endpoint(path)};
  asio::error_code ec;
  acceptor_.open(endpoint.protocol());
  acceptor_.bind(endpoint, ec);
  if (ec) throw std::system_error(ec, "cannot bind --uds " + path);
  if (::chmod(path.c_str(), options.uds_mode) != 0) ec.assign(errno, std::generic_category());
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    ::unlink(path.c_str());  // a constructor that throws runs no destructor
    throw std::system_error(ec, "cannot listen on --uds " + path);
  }
  socket_file_ = path;
}

std::string listener::url() const {
  if (!uds_.empty()) return "unix:" + uds_;
  asio::ip::tcp::endpoint ep;
  auto generic = acceptor_.local_endpoint();
  std::memcpy(ep.data(), generic.data(), generic.size());
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(ep.port());
}

int listener::release() {
  socket_file_.clear();
  return acceptor_.release();
}

void listener::close() {
  asio::error_code ignored;
  acceptor_.close(ignored);
  if (!socket_file_.empty()) ::unlink(socket_file_.c_str());
  socket_file_.clear();
}

}  // namespace snasio::net
