#pragma once

#include <cstdint>
#include <memory>

#include "http/response.hpp"

namespace snasio::net {

class connection;

/// Delivers the response to one request back to its connection, in order.
/// Call send() on the reactor thread only. If the connection has gone away the
/// response is dropped: the responder holds a weak reference, never a raw pointer.
class responder {
 public:
  responder(std::weak_ptr<connection> conn, std::uint64_t slot) : conn_(std::move(conn)), slot_(slot) {}

  /// Hands over the response (reactor thread only).
  void send(http::response r) const;
  /// Whether the connection that asked is gone (safe from any thread).
  bool abandoned() const noexcept { return conn_.expired(); }
  /// Asks to hear (through request_handler::abandon) if the connection closes
  /// before this response is sent; `tag` names the work to cancel (reactor thread only).
  void on_abandon(std::uint64_t tag) const;

 private:
  std::weak_ptr<connection> conn_;
  std::uint64_t slot_;
};

}  // namespace snasio::net
