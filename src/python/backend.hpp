#pragma once

#include <cstdint>
#include <vector>

#include "python/endpoint_table.hpp"
#include "python/job.hpp"
#include "python/one_shot.hpp"

namespace snasio::python {

/// What the layer above hands Python requests to: the runtime and its GIL
/// thread, or a stand-in that answers without an interpreter (the connection
/// fuzzer's). Every call is made on the reactor thread.
class backend {
 public:
  virtual ~backend() = default;
  /// The Python routes, by route id.
  virtual const std::vector<python_route>& routes() const = 0;
  /// Takes a job; false (job untouched) when it cannot be taken now (503).
  virtual bool submit(job& j) = 0;
  /// The client of job `job_id` has gone: cancel its handler if it still runs.
  virtual void cancel(std::uint64_t job_id) = 0;
  /// The answer of job `job_id` is written (or its client gone): clean up after it.
  virtual void written(std::uint64_t job_id) = 0;
  /// The stream job `job_id` answers with has room for its next piece.
  virtual void more(std::uint64_t job_id) = 0;
  /// The server has begun to drain: event streams end now.
  virtual void draining() = 0;
  /// Where answers go; each job's one_shot points here.
  virtual reply_queue& replies() = 0;
};

}  // namespace snasio::python
