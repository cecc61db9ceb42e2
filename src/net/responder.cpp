#include "net/responder.hpp"

#include "net/connection.hpp"

namespace snasio::net {

void responder::send(const http::response& r) const {
  if (auto c = conn_.lock()) c->respond(slot_, r);
}

void responder::send_piece(std::string_view bytes, piece_end end) const {
  if (auto c = conn_.lock()) c->respond_piece(slot_, bytes, end);
}

}  // namespace snasio::net
