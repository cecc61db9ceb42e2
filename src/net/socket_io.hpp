#pragma once

#include <sys/uio.h>

#include <memory>
#include <vector>

#include "net/stream_socket.hpp"

namespace snasio::net {

/// What a connection's read and its write share. Each is one operation,
/// made once with the connection and queued in Asio's reactor through its
/// `detail` interface (Asio 1.22; `stream_socket` opens the socket up for
/// it), where Asio's own `async_read_some` and `async_write` allocate an
/// operation per call. While one waits it keeps its owner alive; when it is
/// done the owner is told; one still queued when the io_context is destroyed
/// only releases its owner.
template <class Owner>
class queued_io : protected asio::detail::reactor_op {
 protected:
  using done_call = void (*)(Owner&, const asio::error_code&, std::size_t);
  queued_io(perform_func_type perform, done_call done) : reactor_op({}, perform, &complete), done_(done) {}

  /// Queues the operation (`op_type`: the reactor's read_op or write_op),
  /// which the reactor tries at once and again at each event until it is
  /// done. With `nothing_to_do` it completes at once, as Asio's own do.
  void queue(stream_socket& socket, int op_type, std::shared_ptr<Owner> owner, bool nothing_to_do) {
    if (!reactor_)
      reactor_ = &asio::use_service<asio::detail::reactor>(asio::query(socket.get_executor(), asio::execution::context));
    auto& state = socket.state();
    fd_ = state.socket_;
    owner_ = std::move(owner);
    ec_ = {};
    bytes_transferred_ = 0;
    // As Asio's own operations do, the descriptor is made non-blocking at its first one.
    namespace ops = asio::detail::socket_ops;
    if (nothing_to_do ||
        (!(state.state_ & ops::non_blocking) && !ops::set_internal_non_blocking(fd_, state.state_, true, ec_)))
      return reactor_->post_immediate_completion(this, false);
    reactor_->start_op(op_type, fd_, state.reactor_data_, this, false, true);
  }

  asio::detail::socket_type fd_ = -1;

 private:
  // `io` is null when the io_context is destroyed with the operation queued.
  static void complete(void* io, asio::detail::operation* base, const asio::error_code&, std::size_t) {
    auto* self = static_cast<queued_io*>(static_cast<reactor_op*>(base));
    auto owner = std::move(self->owner_);  // the owner (and so this operation) lives until the call returns
    auto ec = self->ec_;                   // the call may queue the next one, which resets it
    if (io) self->done_(*owner, ec, self->bytes_transferred_);
  }

  done_call done_;
  asio::detail::reactor* reactor_ = nullptr;  // the socket's, found once
  std::shared_ptr<Owner> owner_;
};

/// A connection's read, which can remember that the kernel had no more to give.
///
/// Asio's `async_read_some` tries `recv(2)` before it waits for epoll. On a
/// keep-alive connection that try fails with EAGAIN once per request, since
/// the client sends its next request only after its answer: a third of the
/// system calls of a native request. A read that returns fewer bytes than it
/// asked for has emptied the socket, and with edge-triggered epoll any byte
/// that arrives later makes a new event; so after such a read the next one can
/// wait for that event without trying (nginx does the same). This read tells
/// Asio's reactor so the way the reactor's own code does: its `recv` reports
/// a short read as "done and exhausted", and the reactor tries no more until
/// the descriptor's next event.
///
/// The cost: an end of stream that arrived together with the bytes read is
/// not seen until the next event. `trust_short_reads` says when that is
/// acceptable; see `connection::do_read`. The owner is told
/// `on_read(error, bytes)`.
template <class Owner>
class drained_read : public queued_io<Owner> {
 public:
  drained_read() : queued_io<Owner>(&perform, [](Owner& o, const asio::error_code& ec, std::size_t n) { o.on_read(ec, n); }) {}

  /// Reads into `into`. With `trust_short_reads`, a read that returns fewer
  /// bytes than asked for ends the tries until epoll's next event.
  void start(stream_socket& socket, asio::mutable_buffer into, std::shared_ptr<Owner> owner, bool trust_short_reads) {
    into_ = into;
    trust_short_reads_ = trust_short_reads;
    this->queue(socket, asio::detail::reactor::read_op, std::move(owner), into.size() == 0);
  }

 private:
  using status = asio::detail::reactor_op::status;
  static status perform(asio::detail::reactor_op* base) {
    auto* self = static_cast<drained_read*>(base);
    if (!asio::detail::socket_ops::non_blocking_recv1(self->fd_, self->into_.data(), self->into_.size(), 0, true,
                                                      self->ec_, self->bytes_transferred_))
      return status::not_done;
    bool drained = self->trust_short_reads_ && !self->ec_ && self->bytes_transferred_ < self->into_.size();
    return drained ? status::done_and_exhausted : status::done;
  }

  asio::mutable_buffer into_;
  bool trust_short_reads_ = false;
};

/// A connection's write: every byte of its buffers, in as few `send` and
/// `sendmsg` calls as the socket takes them, then `on_write(error)` to the owner.
template <class Owner>
class whole_write : public queued_io<Owner> {
 public:
  whole_write() : queued_io<Owner>(&perform, [](Owner& o, const asio::error_code& ec, std::size_t) { o.on_write(ec); }) {}

  /// Writes `buffers`, which stay as they are until the owner is told.
  void start(stream_socket& socket, const std::vector<asio::const_buffer>& buffers, std::shared_ptr<Owner> owner) {
    buffers_ = &buffers;
    next_ = 0;
    offset_ = 0;
    this->queue(socket, asio::detail::reactor::write_op, std::move(owner), buffers.empty());
  }

 private:
  using status = asio::detail::reactor_op::status;
  static constexpr std::size_t max_iovecs = 64;

  static status perform(asio::detail::reactor_op* base) {
    auto* self = static_cast<whole_write*>(base);
    const auto& b = *self->buffers_;
    while (self->next_ < b.size()) {
      iovec iov[max_iovecs];
      std::size_t n = 0, bytes = 0;
      for (std::size_t i = self->next_; i < b.size() && n < max_iovecs; ++i, ++n) {
        std::size_t skip = i == self->next_ ? self->offset_ : 0;
        iov[n] = {const_cast<char*>(static_cast<const char*>(b[i].data())) + skip, b[i].size() - skip};
        bytes += iov[n].iov_len;
      }
      // send(2) for one buffer: the kernel's sendmsg(2) copies in the message and its iovecs first.
      namespace ops = asio::detail::socket_ops;
      std::size_t sent = 0;
      bool finished = n == 1 ? ops::non_blocking_send1(self->fd_, iov[0].iov_base, iov[0].iov_len, 0, self->ec_, sent)
                             : ops::non_blocking_send(self->fd_, iov, n, 0, self->ec_, sent);
      if (!finished) return status::not_done;
      if (self->ec_) return status::done;
      if (sent == 0 && bytes > 0) return status::not_done;  // no room after all: wait for epoll
      self->bytes_transferred_ += sent;
      // Past the buffers sent whole, into the one sent in part.
      for (sent += self->offset_; self->next_ < b.size() && sent >= b[self->next_].size(); ++self->next_)
        sent -= b[self->next_].size();
      self->offset_ = sent;
    }
    return status::done;
  }

  const std::vector<asio::const_buffer>* buffers_ = nullptr;
  std::size_t next_ = 0;    // the first buffer not sent whole
  std::size_t offset_ = 0;  // ...and how much of it is sent
};

}  // namespace snasio::net
