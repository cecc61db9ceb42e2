#include "net/connection.hpp"

#include <algorithm>

#include "net/request_handler.hpp"
#include "net/responder.hpp"
#include "net/server.hpp"

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

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
}  // namespace

connection::connection(asio::ip::tcp::socket socket, server& owner)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      server_(owner),
      parser_(owner.options().limits) {}

void connection::start() {
  asio::error_code ec;
  auto peer = socket_.remote_endpoint(ec);
  if (!ec) client_host_ = peer.address().to_string(), client_port_ = peer.port();
  ready_since_ = clock::now();
  do_read();
  arm_timer();
}

void connection::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  // Work still running for this client is of no use to anyone now.
  for (const auto& p : pending_)
    if (!p.ready && p.tag) server_.handler().abandon(p.tag);
  pending_.clear();
  server_.remove(this);
}

void connection::drain() {
  draining_ = true;
  input_done_ = true;
  // Requests already read get their responses (the last one says Connection:
  // close); a request still arriving is abandoned.
  if (pending_.empty() && !writing_now_) return close();
  for (auto& p : pending_) p.framing.keep_alive = false;
}

void connection::do_read() {
  if (reading_ || closed_) return;
  if (begin_ == end_) begin_ = end_ = 0;
  if (end_ == buffer_.size()) {
    // Only bytes after a complete request can be left over; move them down.
    std::copy(buffer_.begin() + begin_, buffer_.begin() + end_, buffer_.begin());
    end_ -= begin_;
    begin_ = 0;
  }
  reading_ = true;
  socket_.async_read_some(asio::buffer(buffer_.data() + end_, buffer_.size() - end_),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void connection::on_read(const asio::error_code& ec, std::size_t n) {
  reading_ = false;
  if (closed_) return;
  if (lingering_) {
    // Discarding: stop at EOF, on error, or when the client sends too much.
    if (ec || (linger_budget_ += n) > max_linger_bytes) return close();
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

void connection::process_input() {
  while (!input_done_ && begin_ < end_ && pending_.size() < server_.options().max_pipelined) {
    std::size_t used = 0;
    auto state = parser_.parse({buffer_.data() + begin_, end_ - begin_}, used);
    begin_ += used;
    if (parser_.started() && !saw_first_byte_) saw_first_byte_ = true, first_byte_at_ = clock::now();
    if (parser_.head_complete() && !saw_head_) saw_head_ = true, head_done_at_ = clock::now();
    if (state == http::request_parser::state::complete) {
      dispatch(parser_.take());
    } else if (state == http::request_parser::state::error) {
      answer_now(parser_.error_status(), parser_.error_reason());
    } else if (parser_.take_expect_continue()) {
      send_continue();
    }
  }
  if (!input_done_ && begin_ == end_) do_read();
  arm_timer();
}

void connection::dispatch(http::request req) {
  saw_first_byte_ = saw_head_ = false;
  ready_since_ = clock::now();
  ++served_;
  pending p;
  p.framing.head_request = req.method == "HEAD";
  p.framing.http10 = req.version_major == 1 && req.version_minor == 0;
  p.framing.keep_alive = req.keep_alive && !parser_.must_close() && !draining_;
  p.close_after = !p.framing.keep_alive;
  if (p.close_after) input_done_ = true;
  pending_.push_back(std::move(p));
  req.client_host = client_host_;
  req.client_port = client_port_;
  responder reply(weak_from_this(), first_slot_ + pending_.size() - 1);
  server_.handler().handle(std::move(req), reply);
}

void connection::answer_now(int status, std::string_view reason) {
  // A request we could not fully parse is never handed to a handler; the
  // client gets the error, in order after the responses it is still owed, and
  // the connection closes, since where the next request would start is unknown.
  input_done_ = true;
  pending p;
  p.framing.keep_alive = false;
  p.close_after = true;
  pending_.push_back(std::move(p));
  complete(first_slot_ + pending_.size() - 1, http::response::error(status, reason));
}

void connection::send_continue() {
  // The interim 100 goes out in order, like a response that is already done.
  pending p;
  p.ready = true;
  p.bytes = continue_line;
  pending_.push_back(std::move(p));
  do_write();
}

void connection::complete(std::uint64_t slot, http::response r) {
  if (closed_ || slot < first_slot_ || slot - first_slot_ >= pending_.size()) return;
  pending& p = pending_[slot - first_slot_];
  if (p.ready) return;  // a handler answered twice; the first answer stands
  if (draining_) p.framing.keep_alive = false;
  p.close_after = p.close_after || !p.framing.keep_alive;
  p.bytes = http::serialize(r, p.framing, server_.date());
  p.ready = true;
  do_write();
}

void connection::tag(std::uint64_t slot, std::uint64_t tag) {
  if (!closed_ && slot >= first_slot_ && slot - first_slot_ < pending_.size()) pending_[slot - first_slot_].tag = tag;
}

void connection::do_write() {
  if (writing_now_ || closed_ || lingering_) return;
  // Gather every response that is ready at the front into one write.
  std::vector<asio::const_buffer> buffers;
  while (writing_.size() < pending_.size() && pending_[writing_.size()].ready) {
    writing_.push_back(std::move(pending_[writing_.size()].bytes));
    if (pending_[writing_.size() - 1].close_after) break;
  }
  if (writing_.empty()) return;
  for (const auto& b : writing_) buffers.emplace_back(asio::buffer(b));
  writing_now_ = true;
  write_started_ = clock::now();
  asio::async_write(socket_, buffers, [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
    self->on_write(ec);
  });
  arm_timer();
}

void connection::on_write(const asio::error_code& ec) {
  writing_now_ = false;
  if (closed_) return;
  if (ec) return close();
  bool close_after = false;
  for (std::size_t i = 0; i < writing_.size(); ++i) {
    close_after = close_after || pending_.front().close_after;
    pending_.pop_front();
    ++first_slot_;
  }
  writing_.clear();
  if (close_after) return begin_linger();
  if (pending_.empty()) ready_since_ = clock::now();
  // Room in the pipeline again: parse what is buffered, then write what is ready.
  process_input();
  do_write();
  finish();
}

void connection::finish() {
  // Close once nothing more can be read and nothing more is owed.
  if (input_done_ && pending_.empty() && !writing_now_) begin_linger();
  else arm_timer();
}

void connection::begin_linger() {
  if (lingering_ || closed_) return;
  lingering_ = true;
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  linger_until_ = clock::now() + linger_timeout;
  begin_ = end_ = 0;
  do_read();
  arm_timer();
}

connection::clock::time_point connection::deadline() const {
  const auto& o = server_.options();
  if (lingering_) return linger_until_;
  auto d = clock::time_point::max();
  if (writing_now_) d = std::min(d, write_started_ + o.write_timeout);
  if (saw_head_) d = std::min(d, head_done_at_ + o.body_timeout);
  else if (saw_first_byte_) d = std::min(d, first_byte_at_ + o.header_timeout);
  else if (idle()) d = std::min(d, ready_since_ + (served_ == 0 ? o.header_timeout : o.keepalive_timeout));
  return d;
}

bool connection::idle() const { return pending_.empty() && !writing_now_ && !input_done_; }

void connection::arm_timer() {
  if (closed_) return;
  // Re-arming costs a system call, so the timer is only moved earlier; when it
  // fires early, on_timer looks at the real deadline and waits again.
  auto d = deadline();
  if (d >= timer_expiry_) return;
  timer_expiry_ = d;
  timer_.expires_at(d);
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) { self->on_timer(ec); });
}

void connection::on_timer(const asio::error_code& ec) {
  if (ec == asio::error::operation_aborted || closed_) return;
  timer_expiry_ = clock::time_point::max();
  auto d = deadline();
  if (clock::now() < d) return arm_timer();
  if (lingering_ || writing_now_) return close();
  if (saw_first_byte_) {
    // A request that is too slow to arrive gets 408 and the connection closes.
    saw_first_byte_ = saw_head_ = false;
    answer_now(408, "request timeout");
    return arm_timer();
  }
  if (idle()) return close();
  arm_timer();
}

}  // namespace snasio::net
