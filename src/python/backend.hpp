#pragma once

#include <vector>

#include "net/request_listener.hpp"
#include "python/endpoint_table.hpp"
#include "python/job.hpp"
#include "python/reply_queue.hpp"

namespace snasio::python {

/// What the layer above hands Python requests to: the runtime and its GIL
/// thread, or a stand-in that answers without an interpreter (the connection
/// fuzzer's). It listens for what becomes of the answers of the jobs it takes,
/// which it knows by their job ids. Every call is made on the reactor thread.
class backend : public net::request_listener {
 public:
  /// The Python routes, by route id.
  virtual const std::vector<python_route>& routes() const = 0;
  /// Takes a job; false (job untouched) when it cannot be taken now (503).
  virtual bool submit(job_ptr& j) = 0;
  /// The server has begun to drain: event streams end now.
  virtual void draining() = 0;
  /// Where answers go; each job's one_shot points here.
  virtual reply_queue& replies() = 0;
};

}  // namespace snasio::python
