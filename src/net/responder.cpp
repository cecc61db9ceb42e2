#include "net/responder.hpp"

#include "net/connection.hpp"

namespace snasio::net {

void responder::send(http::response r) const {
  if (auto c = conn_.lock()) c->complete(slot_, std::move(r));
}

void responder::on_abandon(std::uint64_t tag) const {
  if (auto c = conn_.lock()) c->tag(slot_, tag);
}

}  // namespace snasio::net
