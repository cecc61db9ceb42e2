#include "net/responder.hpp"

#include "net/connection.hpp"

namespace snasio::net {

void responder::send(http::response r) const {
  if (auto c = conn_.lock()) c->respond(slot_, std::move(r));
}

}  // namespace snasio::net
