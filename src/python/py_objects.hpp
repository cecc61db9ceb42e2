#pragma once

#include <array>
#include <string>
#include <string_view>

#include "python/py_ref.hpp"

namespace snasio::python {

/// The fields of a snasio.Request (its __slots__, py/snasio/request.py), in
/// the order the GIL thread fills them.
enum class request_field {
  method, path, path_params, raw_body, client, raw_query, raw_headers, body, headers, query, query_multi, parts, lazy, scheme, request_id,
  count
};

/// Every Python object the C++ side uses after start-up, looked up once, in
/// one place: no attribute is looked up by name per request. Owned by the GIL
/// thread and dropped before the interpreter finalizes.
struct py_objects {
  // From snasio's Python package.
  py_ref request_class;   ///< snasio.Request
  py_ref response_class;  ///< snasio.Response
  py_ref streaming_class; ///< snasio.StreamingResponse (ServerSentEvents and FileResponse are ones too)
  py_ref http_error;      ///< snasio.HTTPError
  py_ref unset;           ///< snasio.request._UNSET: a body decoded lazily as text
  /// Where each request_field lives inside a Request object: the offsets of
  /// its slots, read once, so a Request is filled without running Python code.
  std::array<Py_ssize_t, std::size_t(request_field::count)> request_offsets{};
  /// The two schemes a request can have: one str each for all requests.
  py_ref http_scheme, https_scheme;
  /// The usual request methods as interned str, shared by every request.
  std::array<py_ref, 7> methods;
  /// The last client host seen, as a str: requests from one host (behind a
  /// proxy, all of them) share it instead of each making its own.
  std::string last_client_host;
  py_ref last_client_host_str;

  // The loop module (py/snasio/_loop.py): what runs besides inline handlers.
  py_ref start;           ///< start(pool_workers, dispatch_workers): the loop, and the start-up hooks
  py_ref run;             ///< run(wake_fd, run_batch): until the job queue closes
  py_ref start_task;      ///< start_task(coroutine, job_id, name) -> Task
  py_ref start_blocking;  ///< start_blocking(handler, args, kwargs, job_id) -> future
  py_ref cancel;          ///< cancel(task_or_future, job_id or None)
  py_ref pool;            ///< pool() -> the ProcessPoolExecutor
  py_ref schedule_flush;  ///< schedule_flush(): _snasio._flush at the next loop iteration
  // snasio._streams
  py_ref open_stream;     ///< open_stream(job_id, result, request, head_only) -> (head, pump Task or None)
  py_ref stream_room;     ///< stream_room(job_id): the connection has room for the next piece
  py_ref end_event_streams;  ///< end_event_streams(): the server drains

  // The app layer (py/snasio/app.py).
  py_ref invoke;   ///< _invoke(route_id, job_id, request, pool): hooks and dependencies around a handler
  py_ref written;  ///< _written(job_id): a request's answer is out, clean up after it

  // From the bridge module and the standard library.
  py_ref run_batch;        ///< _snasio._run_batch, handed to run()
  py_ref uuid_class;       ///< uuid.UUID, for <uuid:...> parameters
  py_ref cancelled_error;  ///< asyncio.CancelledError

  /// The interned str for a usual method; nullptr for any other.
  PyObject* method(std::string_view name) const noexcept;

  /// Looks every object up (GIL held); throws startup_error naming `package_dir`.
  static py_objects load(const std::string& package_dir);
};

}  // namespace snasio::python
