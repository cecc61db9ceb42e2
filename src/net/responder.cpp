#include "net/responder.hpp"

#include "net/connection.hpp"

namespace snasio::net {

void responder::send(http::response&& r) const {
  if (auto c = conn_.lock()) c->respond(slot_, std::move(r));
}

void responder::finish_with(http::header_list headers, http::coding c, const http::compression_policy* p) const {
  if (auto conn = conn_.lock()) conn->finish_with(slot_, std::move(headers), c, p);
}

bool responder::owed() const {
  auto c = conn_.lock();
  return c && c->owes(slot_);
}

void responder::send_piece(std::string_view bytes, piece_end end) const {
  if (auto c = conn_.lock()) c->respond_piece(slot_, bytes, end);
}

}  // namespace snasio::net
