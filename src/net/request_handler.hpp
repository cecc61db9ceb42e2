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

  /// What handle() leaves for later: the job that will answer (0: none, the
  /// answer has been sent already), and whether to hear once it is written.
  struct pending {
    std::uint64_t job_id = 0;
    bool tell_written = false;
  };

  /// Answers `req` through `reply`, now or later (reactor thread).
  virtual pending handle(http::request&& req, const responder& reply) = 0;
  /// The client of job `job_id` has gone before its answer came (reactor thread).
  virtual void abandon(std::uint64_t job_id) = 0;
  /// The answer of job `job_id` has been written, or its client has gone
  /// after it came; asked for by `tell_written` (reactor thread).
  virtual void written(std::uint64_t job_id) = 0;
  /// The stream that job `job_id` answers with has room for its next piece
  /// (reactor thread).
  virtual void more(std::uint64_t job_id) = 0;
};

}  // namespace snasio::net
