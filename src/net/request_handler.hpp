#pragma once

#include "http/request.hpp"
#include "http/response.hpp"
#include "net/request_listener.hpp"
#include "net/responder.hpp"

namespace snasio::net {

/// What a connection calls for each request it has parsed. The network layer
/// defines it and knows nothing of what implements it (app::dispatcher: the
/// router, native routes and the hand-off to Python).
class request_handler {
 public:
  virtual ~request_handler() = default;

  /// Answers `req` through `to`, now or later (reactor thread). An answer
  /// that comes later names who listens for what becomes of it.
  virtual listening handle(http::request&& req, const responder& to) = 0;

  /// The Vary line every answer carries ("" for none): the request headers
  /// the handler's answers depend on, whatever the answer (text that outlives
  /// every answer). The connection puts it in the answer's framing.
  virtual std::string_view vary() const { return {}; }

  /// Sends `answer`, the connection's refusal of `req` (a request whose head
  /// was read but which cannot be served: a body past its limit, say). A
  /// handler may let the application see it on its way; by default it goes
  /// as it is.
  virtual listening refused(http::request&& req, http::response answer, const responder& to) {
    (void)req;
    to.send(std::move(answer));
    return {};
  }
};

}  // namespace snasio::net
