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

/// What a thread that runs jobs has finished and not yet handed to the
/// reactor: replies, and the streams whose heads are among them, whose pumps
/// start only once those heads are on their way (so no piece can overtake
/// its head).
struct outbox {
  std::vector<reply_queue::reply> replies;
  std::vector<std::uint64_t> pumps;  // job ids
};

/// The answers being streamed, by job id: where each one's pieces go. Their
/// pumps (snasio._streams) make the pieces on the loop. Used by every thread
/// that runs jobs, each with the GIL held: the GIL is its lock.
class open_streams {
 public:
  explicit open_streams(const py_objects& py) : py_(py) {}

  /// Whether a handler's result is answered as a stream: a generator, an
  /// async generator, or a StreamingResponse.
  bool streams(PyObject* result) const;
  /// Opens the stream that answers job `job_id` with `result`: returns the
  /// head to send, and names its pump in `out` when a body follows (a HEAD
  /// request's has none). A stream that cannot open is a 500.
  http::response open(std::uint64_t job_id, const net::responder& to, PyObject* result, PyObject* request,
                      std::size_t max_json_depth, const request_label& label, outbox& out);
  /// Starts the pumps `out` names (after its replies were handed over).
  void start_pumps(outbox& out);
  /// Queues the next piece of job `job_id`'s stream into `out` (nothing when
  /// its answer was abandoned); the stream is forgotten once `end` ends it.
  void send(std::uint64_t job_id, std::string bytes, net::piece_end end, std::vector<reply_queue::reply>& out);
  /// The answer of job `job_id` was abandoned: its pump is cancelled, which
  /// closes the generator. False when the job has no open stream.
  bool abandon(std::uint64_t job_id);
  /// The server stops: every stream still open is cut (its client can tell).
  void cut_all(std::vector<reply_queue::reply>& out);

 private:
  bool call(PyObject* callback, std::uint64_t job_id, const char* what);

  const py_objects& py_;
  std::unordered_map<std::uint64_t, net::responder> streams_;  // where each stream's pieces go
};

}  // namespace snasio::python
