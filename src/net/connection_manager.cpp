#include "net/connection_manager.hpp"

#include <charconv>
#include <random>

#include "log/log.hpp"
#include "net/connection.hpp"

namespace snasio::net {

connection_manager::connection_manager(asio::any_io_executor executor, const server_options& options,
                                       request_handler& handler)
    : executor_(std::move(executor)), options_(options), handler_(handler), drain_timer_(executor_) {
  // Both id shapes start with random digits drawn once per process: six
  // base-36 digits for the short ids; 80 bits, with a v4 UUID's version and
  // variant nibbles, for the UUID-shaped ones.
  std::mt19937_64 random(std::uint64_t(std::random_device{}()) << 32 | std::random_device{}());
  constexpr std::string_view base36 = "0123456789abcdefghijklmnopqrstuvwxyz", shape = "xxxxxxxx-xxxx-4xxx-8xxx-";
  for (std::size_t i = 0; i + 1 < short_prefix_size; ++i) short_[i] = base36[random() % 36];
  short_[short_prefix_size - 1] = '-';
  std::uint64_t bits = random();
  for (std::size_t i = 0; i < shape.size(); ++i, bits = bits ? bits >> 4 : random())
    uuid_[i] = shape[i] == 'x' ? "0123456789abcdef"[bits & 15] : shape[i];
}

namespace {
// An X-Request-ID a client sends is kept if it is at most --max-request-id-bytes
// long and made of these characters (enough for UUIDs and the usual tracing
// ids), so it is safe to echo, to log and to hand to the app.
bool safe_request_id(std::string_view id, std::size_t max_size) {
  return !id.empty() && id.size() <= max_size && id.find_first_not_of(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:+/=") == std::string_view::npos;
}
}  // namespace

std::string connection_manager::request_id(std::string_view offered) {
  if (safe_request_id(offered, options_.max_request_id_bytes)) return std::string(offered);
  std::uint64_t n = ++next_id_;
  if (options_.request_id_uuid) {  // the count in the last 12 hex digits
    for (std::size_t i = uuid_prefix_size + 12; i-- > uuid_prefix_size; n >>= 4) uuid_[i] = "0123456789abcdef"[n & 15];
    return std::string(uuid_, uuid_prefix_size + 12);
  }
  // Short: at most 15 characters for the first 4.3 billion requests, the
  // most a std::string holds without allocating.
  char* end = std::to_chars(short_ + short_prefix_size, short_ + sizeof short_, n, 16).ptr;
  return std::string(short_, end);
}

void connection_manager::start(stream_socket socket) {
  // Past the connection limit a new connection is closed at once; the ones
  // already open keep being served.
  if (draining_ || connections_.size() >= options_.max_connections) {
    asio::error_code ignored;
    socket.close(ignored);
    if (std::size_t n = draining_ ? 0 : over_limit_.count())
      log::line(log::level::warning, "at the connection limit (--max-connections " +
                                         std::to_string(options_.max_connections) + "): closed " + std::to_string(n) +
                                         " new connection(s) at once since the last report");
    return;
  }
  // Responses go out whole, in one write each: Nagle would only delay them.
  asio::error_code ignored;
  if (socket.local_endpoint(ignored).protocol().family() != AF_UNIX) socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  auto c = std::make_shared<connection>(std::move(socket), options_, handler_, *this);
  connections_.emplace(c.get(), c);
  c->start();
}

void connection_manager::remove(connection* c) {
  // The connection may still be running one of its own handlers; post the
  // release so it is not destroyed under its own feet.
  auto it = connections_.find(c);
  if (it == connections_.end()) return;
  asio::post(executor_, [keep = std::move(it->second)] {});
  connections_.erase(it);
  if (on_closed_) on_closed_();
  if (draining_ && !beginning_drain_) check_drained();
}

namespace {
// After the drain deadline, how long the 503s have to reach clients that are
// still reading before their connections are closed regardless.
constexpr std::chrono::milliseconds cancel_grace{500};
}  // namespace

void connection_manager::drain(std::function<void()> on_drained) {
  if (draining_) return;
  draining_ = true;
  drain_began_ = std::chrono::steady_clock::now();
  on_drained_ = std::move(on_drained);
  report_.connections = connections_.size();
  for (auto& [raw, c] : connections_) report_.in_flight += c->owed();
  // drain() may close a connection, which removes it from the map: iterate a copy.
  beginning_drain_ = true;
  auto open = connections_;
  for (auto& [raw, c] : open) c->drain();
  beginning_drain_ = false;
  drain_timer_.expires_after(options_.drain_timeout);
  drain_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) on_deadline();
  });
  // Even with nothing to wait for, `on_drained` runs later, never inside drain().
  asio::post(executor_, [this] { check_drained(); });
}

void connection_manager::on_deadline() {
  if (!past_deadline_) {
    // Every request still waiting gets a complete 503 before its connection
    // closes; then a short grace for clients to read it.
    past_deadline_ = true;
    auto left = connections_;
    for (auto& [raw, c] : left) c->cancel_owed();
    drain_timer_.expires_after(cancel_grace);
    drain_timer_.async_wait([this](const asio::error_code& ec) {
      if (!ec) on_deadline();
    });
    return check_drained();
  }
  auto left = connections_;
  for (auto& [raw, c] : left) c->close();
  check_drained();
}

void connection_manager::check_drained() {
  if (!connections_.empty() || !on_drained_) return;
  drain_timer_.cancel();
  report_.took = std::chrono::steady_clock::now() - drain_began_;
  auto done = std::move(on_drained_);
  on_drained_ = nullptr;
  done();
}

}  // namespace snasio::net
