#pragma once

#include <cstdint>
#include <memory>

#include "http/response.hpp"

namespace snasio::net {

class connection;

/// How a piece of a streamed response leaves the stream.
enum class piece_end {
  more,  ///< more pieces follow
  last,  ///< the body is complete: the last chunk follows
  cut,   ///< the body stops here, incomplete (the producer failed): the connection closes
};

/// The reply address of one request: where its response goes, in order.
/// The network layer defines it; whatever answers later (the Python side)
/// holds one and calls send() on the reactor thread. It holds a weak
/// reference to the connection, never a raw pointer, so a response for a
/// client that has gone is dropped safely.
class responder {
 public:
  responder(std::weak_ptr<connection> conn, std::uint64_t slot) : conn_(std::move(conn)), slot_(slot) {}

  /// Sends the response, in its turn (reactor thread only). The connection
  /// takes it: a body it compresses is coded in place, not copied.
  void send(http::response&& r) const;
  /// Hands over a piece of a streamed response sent before (reactor thread only).
  void send_piece(std::string_view bytes, piece_end end) const;
  /// Adds `headers` to whatever answer this request gets, and compresses it
  /// with `c` where `p` covers it (reactor thread only, before send()).
  void finish_with(http::header_list headers, http::coding c = http::coding::identity,
                   const http::compression_policy* p = nullptr) const;
  /// Whether the answer is still owed: the client is there and nothing was sent yet (reactor thread only).
  bool owed() const;
  /// Whether the connection that asked is gone (safe from any thread).
  bool abandoned() const noexcept { return conn_.expired(); }

 private:
  std::weak_ptr<connection> conn_;
  std::uint64_t slot_;
};

}  // namespace snasio::net
