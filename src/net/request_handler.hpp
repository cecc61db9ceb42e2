#pragma once

#include <cstdint>

#include "http/request.hpp"
#include "net/responder.hpp"

namespace snasio::net {

/// What a connection calls for each request it has parsed. The network layer
/// defines it and knows nothing of what implements it (app::dispatcher: the
/// router, native routes and the hand-off to Python).
class request_handler {
 public:
  virtual ~request_handler() = default;

  /// Answers `req` through `reply`, now or later (reactor thread). Returns the
  /// id of the job that will answer later, or 0 when nothing is still working
  /// on it (the answer has been sent already).
  virtual std::uint64_t handle(http::request&& req, const responder& reply) = 0;
  /// The client of job `job_id` has gone before its answer came (reactor thread).
  virtual void abandon(std::uint64_t job_id) = 0;
};

}  // namespace snasio::net
