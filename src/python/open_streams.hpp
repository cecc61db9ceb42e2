#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/response.hpp"
#include "net/responder.hpp"
#include "python/py_objects.hpp"
#include "python/py_ref.hpp"
#include "python/reply_queue.hpp"
#include "python/response_builder.hpp"

namespace snasio::python {

/// The answers being streamed, by job id: where each one's pieces go, and
/// the task on the loop (its pump, snasio._streams) that makes them, to
/// cancel when the answer is abandoned (GIL thread).
class open_streams {
 public:
  explicit open_streams(const py_objects& py) : py_(py) {}

  /// Whether a handler's result is answered as a stream: a generator, an
  /// async generator, or a StreamingResponse.
  bool streams(PyObject* result) const;
  /// Opens the stream that answers job `job_id` with `result`: returns the
  /// head to send now; its pump sends the pieces as the connection has room
  /// (a HEAD request's has none). A stream that cannot open is a 500.
  http::response open(std::uint64_t job_id, const net::responder& to, PyObject* result, PyObject* request,
                      std::size_t max_json_depth, const request_label& label);
  /// Queues the next piece of job `job_id`'s stream into `out` (nothing when
  /// its answer was abandoned); the stream is forgotten once `end` ends it.
  void send(std::uint64_t job_id, std::string bytes, net::piece_end end, std::vector<reply_queue::reply>& out);
  /// The answer of job `job_id` was abandoned: its pump is cancelled, which
  /// closes the generator. False when the job has no open stream.
  bool abandon(std::uint64_t job_id);
  /// The server stops: every stream still open is cut (its client can tell).
  void cut_all(std::vector<reply_queue::reply>& out);

 private:
  struct stream {
    net::responder to;
    py_ref pump;
  };
  void cancel(PyObject* pump);

  const py_objects& py_;
  std::unordered_map<std::uint64_t, stream> streams_;
};

}  // namespace snasio::python
