#pragma once

#include <memory>

#include "net/stream_socket.hpp"

namespace snasio::net {

/// A connection's one read at a time, which can remember that the kernel had
/// no more to give.
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
/// the descriptor's next event. This is Asio's `detail` interface (1.22):
/// `stream_socket` opens the socket up for it.
///
/// The cost: an end of stream that arrived together with the bytes read is
/// not seen until the next event. `trust_short_reads` says when that is
/// acceptable; see `connection::do_read`.
///
/// `Owner` is kept alive while the read waits and then told
/// `on_read(error, bytes)`; a read still queued when the io_context is
/// destroyed only releases it.
template <class Owner>
class drained_read : asio::detail::reactor_op {
 public:
  drained_read() : reactor_op(asio::error_code(), &perform, &complete) {}

  /// Reads into `into`. With `trust_short_reads`, a read that returns fewer
  /// bytes than asked for ends the tries until epoll's next event.
  void start(stream_socket& socket, asio::mutable_buffer into, std::shared_ptr<Owner> owner, bool trust_short_reads) {
    if (!reactor_)
      reactor_ = &asio::use_service<asio::detail::reactor>(asio::query(socket.get_executor(), asio::execution::context));
    auto& state = socket.state();
    fd_ = state.socket_;
    into_ = into;
    trust_short_reads_ = trust_short_reads;
    owner_ = std::move(owner);
    ec_ = {};
    bytes_transferred_ = 0;
    // As Asio's own reads do: nothing to read completes at once, and the
    // descriptor is made non-blocking at its first read.
    namespace ops = asio::detail::socket_ops;
    if (into.size() == 0 ||
        (!(state.state_ & ops::non_blocking) && !ops::set_internal_non_blocking(fd_, state.state_, true, ec_)))
      return reactor_->post_immediate_completion(this, false);
    reactor_->start_op(asio::detail::reactor::read_op, fd_, state.reactor_data_, this, false, true);
  }

 private:
  static status perform(reactor_op* base) {
    auto* self = static_cast<drained_read*>(base);
    if (!asio::detail::socket_ops::non_blocking_recv1(self->fd_, self->into_.data(), self->into_.size(), 0, true,
                                                      self->ec_, self->bytes_transferred_))
      return not_done;
    bool drained = self->trust_short_reads_ && !self->ec_ && self->bytes_transferred_ < self->into_.size();
    return drained ? done_and_exhausted : done;
  }

  // `io` is null when the io_context is destroyed with the read still queued.
  static void complete(void* io, asio::detail::operation* base, const asio::error_code&, std::size_t) {
    auto* self = static_cast<drained_read*>(base);
    auto owner = std::move(self->owner_);  // the owner (and so this read) lives until the call returns
    auto ec = self->ec_;  // on_read may start the next read, which resets it
    if (io) owner->on_read(ec, self->bytes_transferred_);
  }

  asio::detail::reactor* reactor_ = nullptr;  // the socket's, found once
  asio::detail::socket_type fd_ = -1;
  asio::mutable_buffer into_;
  bool trust_short_reads_ = false;
  std::shared_ptr<Owner> owner_;
};

}  // namespace snasio::net
