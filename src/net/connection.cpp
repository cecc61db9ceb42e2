#include "net/connection.hpp"

#include <algorithm>
#include <cstring>

#include "log/log.hpp"
#include "net/coarse_clock.hpp"
#include "net/connection_manager.hpp"
#include "net/request_handler.hpp"
#include "net/responder.hpp"

namespace snasio::net {

namespace {
// After the last response of a connection that is closing, unread request
// bytes may still be arriving (a body we refused, say). Closing a socket with
// unread data makes the kernel send RST, which can destroy the response before
// the client reads it. So the connection first shuts down its sending side and
// reads and discards for a short while: at most this long...
constexpr std::chrono::seconds linger_timeout{2};
// ...and at most this many bytes.
constexpr std::size_t max_linger_bytes = 1024 * 1024;
}  // namespace

connection::connection(stream_socket socket, const server_options& options, request_handler& handler,
                       connection_manager& manager)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      options_(options),
      handler_(handler),
      manager_(manager),
      parser_(options.limits) {}

void connection::start() {
  asio::error_code ec;
  auto peer = socket_.remote_endpoint(ec);
  if (!ec && (peer.protocol().family() == AF_INET || peer.protocol().family() == AF_INET6)) {
    asio::ip::tcp::endpoint ip;
    std::memcpy(ip.data(), peer.data(), peer.size());
    client_host_ = ip.address().to_string();
    client_port_ = ip.port();
    peer_trusted_ = options_.forwarded_allow_ips.trusts(client_host_);
  } else {
    // A Unix socket's peer has no address: any local process the socket's
    // mode lets in. Its headers are believed only when the flag says "unix".
    peer_trusted_ = options_.forwarded_allow_ips.unix_peers || options_.forwarded_allow_ips.everyone;
  }
  ready_since_ = coarse_now();
  do_read();
  arm_timer();
}

void connection::close() {
  if (state_ == state::closed) return;
  state_ = state::closed;
  asio::error_code ignored;
  timer_.cancel();
  socket_.shutdown(stream_socket::shutdown_both, ignored);
  socket_.close(ignored);
  // Work still running for this client is of no use to anyone now; work
  // that finished waits for no write any more.
  auto owed = slots_.owed();
  for (const auto& o : owed)
    if (o.listener.by) o.listener.by->abandoned(o.listener.tag);
  for (const listening& l : slots_.unwritten()) l.by->written(l.tag);
  if (!owed.empty()) manager_.count_abandoned(owed.size());
  slots_.clear();
  manager_.remove(this);
}

void connection::stop_reading() {
  if (state_ == state::open) state_ = state::finishing;
}

void connection::drain() {
  // Every request received in full is answered, even one waiting in the
  // buffer past the pipeline bound; a request still arriving is abandoned.
  if (state_ == state::open) {
    stop_reading();
    process_input(true);
  }
  if (slots_.empty() && !write_pending_) return close();
  // The last answer says Connection: close; the ones before it go out as usual.
  slots_.close_after_last();
}

std::size_t connection::owed() const { return slots_.owed().size(); }

void connection::cancel_owed() {
  // The drain deadline: each request still waiting is answered 503 now, in
  // order, and the work behind it is cancelled. The last says Connection: close.
  for (const auto& o : slots_.owed()) {
    auto r = http::response::error(503, "server is shutting down");
    r.headers.push_back({"Retry-After", "1"});
    if (o.listener.by) o.listener.by->abandoned(o.listener.tag);
    // A stream whose head is out cannot become a 503: it is cut instead.
    if (!fill(o.slot, r)) slots_.end_stream(o.slot, true);
    manager_.count_cancelled();
  }
  do_write();
  close_when_done();
}

void connection::do_read() {
  if (read_pending_ || state_ == state::closed) return;
  if (begin_ == end_) begin_ = end_ = 0;
  if (end_ == buffer_.size()) {
    // Only bytes after a complete request can be left over; move them down.
    std::copy(buffer_.begin() + begin_, buffer_.begin() + end_, buffer_.begin());
    end_ -= begin_;
    begin_ = 0;
  }
  read_pending_ = true;
  // A short read is trusted to have emptied the socket (no recv that fails
  // with EAGAIN before the next request) only once the connection has served
  // a request: a client that sends one request and shuts down its side at
  // once, as one-shot tools do, has its end of stream seen with it and is
  // closed at once. A keep-alive client that does so later is seen when its
  // next event comes or its keep-alive time ends.
  read_.start(socket_, asio::buffer(buffer_.data() + end_, buffer_.size() - end_), shared_from_this(),
              state_ == state::open && served_ > 0);
}

void connection::on_read(const asio::error_code& ec, std::size_t n) {
  read_pending_ = false;
  if (state_ == state::closed) return;
  if (state_ == state::lingering) {
    // Discarding: stop at EOF, on error, or when the client sends too much.
    linger_budget_ += n;
    if (ec || linger_budget_ > max_linger_bytes) return close();
    begin_ = end_ = 0;
    return do_read();
  }
  // An error, or end of stream: the client has closed. Whatever it was still
  // waiting for is abandoned (handlers that can be cancelled are), as nginx
  // and uvicorn treat a client that goes away.
  if (ec) return close();
  end_ += n;
  process_input();
}

// RFC 9110 9.2.1: requests that ask for nothing to change.
bool connection::safe_method(std::string_view m) { return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE"; }

// Whether the next request may be handed on: room in the pipeline, and its
// answer not past --max-unsent-bytes with the answers before it, each answer
// not made yet (this one too) counted at the size of the largest so far. A
// connection that owes nothing always takes one, however large its answer.
// While answers are owed, only safe requests run side by side (RFC 9112
// 9.3.2): a POST behind a GET, or a GET behind a POST, waits for the answers
// before it, so what a request sees never depends on how the threads ran.
// Before the first answer is made, one request at a time: a burst of
// pipelined requests for large answers cannot make the server hold them all.
bool connection::may_take_request() const {
  if (slots_.empty()) return true;  // (a write in flight keeps its slots till it is done)
  if (slots_.size() >= options_.max_pipelined) return false;
  std::size_t unmade = slots_.unmade();
  if (unmade > 0) {
    std::string_view next(buffer_.data() + begin_, end_ - begin_);
    std::size_t space = next.find(' ');
    if (largest_answer_ == 0 || slots_.unmade_unsafe() || space == std::string_view::npos ||
        !safe_method(next.substr(0, space)))
      return false;
  }
  return slots_.unsent() + in_flight_ + (unmade + 1) * largest_answer_ <= options_.max_unsent_bytes;
}

bool connection::over_unsent() const { return slots_.unsent() + in_flight_ >= options_.max_unsent_bytes; }

void connection::process_input(bool all_received) {
  parsing_ = true;
  // A request partly received is parsed on; a new one only if it may be taken.
  while ((state_ == state::open || all_received) && begin_ < end_ &&
         (all_received || parser_.started() || may_take_request())) {
    std::size_t used = 0;
    auto parsed = parser_.parse({buffer_.data() + begin_, end_ - begin_}, used);
    begin_ += used;
    // A head that arrives whole starts and ends at one reading of the clock.
    const bool first_byte = parser_.started() && !saw_first_byte_;
    if (first_byte) {
      saw_first_byte_ = true;
      first_byte_at_ = coarse_now();
    }
    if (parser_.head_complete() && !saw_head_) {
      saw_head_ = true;
      head_done_at_ = first_byte ? first_byte_at_ : coarse_now();
    }
    if (parsed == http::request_parser::state::complete) {
      hand_over(parser_.take());
      parser_.release();
    } else if (parsed == http::request_parser::state::error) {
      refuse(parser_.error_status(), parser_.error_reason());
      break;
    } else if (all_received) {
      break;  // the rest has not arrived: it never will now
    } else if (parser_.take_expect_continue()) {
      send_continue();
    }
  }
  parsing_ = false;
  // No more is read while too much waits to be sent: the client's bytes stay
  // in the kernel's buffers, and TCP tells it to wait.
  if (state_ == state::open && begin_ == end_ && !over_unsent()) do_read();
  arm_timer();
}

void connection::hand_over(http::request&& req) {
  // The keep-alive wait starts again when the answer is written (on_write).
  saw_first_byte_ = saw_head_ = false;
  ++served_;
  http::framing f;
  f.head_request = req.method == "HEAD";
  f.http10 = req.version_major == 1 && req.version_minor == 0;
  f.keep_alive = req.keep_alive && !parser_.must_close();
  if (!f.keep_alive) stop_reading();
  std::uint64_t slot = reserve_for(req, std::move(f));
  // A native route answers inside handle(); an answer that comes later names
  // its listener, told if this client leaves first.
  listening later = handler_.handle(std::move(req), responder(weak_from_this(), slot));
  if (later.by) slots_.listen(slot, later);
}

void connection::refuse(int status, std::string_view reason) {
  // A request we could not fully parse is never handed to a handler; the
  // client gets the error, in order after the responses it is still owed, and
  // the connection closes, since where the next request would start is unknown.
  stop_reading();
  if (log::enabled(log::level::debug))
    log::line(log::level::debug, "refused a request from " + client_host_ + ":" + std::to_string(client_port_) + ": " +
                                      std::to_string(status) + " " + std::string(reason));
  http::framing f;
  f.keep_alive = false;
  f.vary = handler_.vary();  // (reserve_for sets it too, for a request whose head was read)
  auto req = parser_.refused_request();
  if (!req) return respond(slots_.reserve(std::move(f)), http::response::error(status, reason));
  // Its head was read: the handler may let the application see the refusal.
  f.head_request = req->method == "HEAD";
  f.http10 = req->version_major == 1 && req->version_minor == 0;
  std::uint64_t slot = reserve_for(*req, std::move(f));
  listening later = handler_.refused(std::move(*req), http::response::error(status, reason), responder(weak_from_this(), slot));
  if (later.by) slots_.listen(slot, later);
}

void connection::close_when_done() {
  // Close once nothing more can be read and nothing more is owed.
  if (state_ == state::finishing && slots_.empty() && !write_pending_) begin_linger();
  else arm_timer();
}

void connection::begin_linger() {
  if (state_ == state::lingering || state_ == state::closed) return;
  // Lingering keeps input the server has not read from turning the close
  // into a reset, which can destroy the answers still on their way. With
  // nothing unread (no byte buffered or in the kernel, no request begun)
  // there is nothing to protect: a client that keeps the connection open
  // after its last answer is not waited for.
  asio::error_code ec;
  if (begin_ == end_ && !parser_.started() && socket_.available(ec) == 0 && !ec) return close();
  state_ = state::lingering;
  asio::error_code ignored;
  socket_.shutdown(stream_socket::shutdown_send, ignored);
  linger_until_ = coarse_now() + linger_timeout;
  begin_ = end_ = 0;
  do_read();
  arm_timer();
}

connection::clock::time_point connection::deadline() const {
  if (state_ == state::lingering) return linger_until_;
  auto d = clock::time_point::max();
  if (write_pending_) d = std::min(d, write_started_ + options_.write_timeout);
  if (saw_head_) d = std::min(d, head_done_at_ + options_.body_timeout);
  else if (saw_first_byte_) d = std::min(d, first_byte_at_ + options_.header_timeout);
  else if (idle()) d = std::min(d, ready_since_ + (served_ == 0 ? options_.header_timeout : options_.keepalive_timeout));
  return d;
}

bool connection::idle() const { return state_ == state::open && slots_.empty() && !write_pending_; }

void connection::arm_timer() {
  if (state_ == state::closed) return;
  // Re-arming costs a system call, so the timer is only moved earlier; when it
  // fires early, on_timer looks at the real deadline and waits again.
  auto d = deadline();
  if (d >= timer_expiry_) return;
  timer_expiry_ = d;
  timer_.expires_at(d);
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) { self->on_timer(ec); });
}

void connection::on_timer(const asio::error_code& ec) {
  if (ec == asio::error::operation_aborted || state_ == state::closed) return;
  timer_expiry_ = clock::time_point::max();
  // The deadline was reckoned from coarse readings; the timer fired by the
  // fine clock, which is the one to ask (a coarse reading, a tick behind,
  // would re-arm a timer already due until the tick came).
  auto d = deadline();
  if (clock::now() < d) return arm_timer();
  if (state_ == state::lingering || write_pending_) return close();
  if (saw_first_byte_) {
    // A request that is too slow to arrive gets 408 and the connection closes.
    saw_first_byte_ = saw_head_ = false;
    refuse(408, "request timeout");
    return arm_timer();
  }
  if (idle()) return close();
  arm_timer();
}

}  // namespace snasio::net
