#pragma once

#include <array>
#include <vector>
#include <string>
#include <string_view>

#include "python/contract.hpp"
#include "python/py_ref.hpp"

namespace snasio::python {

/// Every Python object the C++ side uses after start-up, looked up once, in
/// one place: no attribute is looked up by name per request. Each is named by
/// snasio._contract.SERVER_USES. Owned by the GIL thread and dropped before
/// the interpreter finalizes.
struct py_objects {
  // What a handler deals in.
  py_ref request_class;    ///< snasio.Request
  py_ref response_class;   ///< snasio.Response
  py_ref streaming_class;  ///< snasio.StreamingResponse (ServerSentEvents and FileResponse are ones too)
  py_ref http_error;       ///< snasio.HTTPError
  py_ref plan_error;       ///< snasio.PlanError: a route that cannot be planned
  py_ref unset;            ///< a body not decoded yet (snasio.request.UNSET)
  py_ref json_unread;      ///< a JSON body whose parsed form became typed values (snasio.request.JSON_UNREAD)
  py_ref uploaded_file;    ///< snasio.UploadedFile, made for a typed handler's File parameters
  py_ref required;         ///< the default of a value the request must give (snasio.params.REQUIRED)
  py_ref lower;            ///< a returned value's JSON form, one level deep (snasio._types.lower)
  request_layout request;  ///< where each field of a Request lives
  py_ref spare_request;    ///< a Request no one holds, its fields empty (release_request)
  /// Where a HandlerTask keeps what it is made with (the server fills a new
  /// one in place, as a Request: no __init__ runs per handler), its Task
  /// (None until one carries the handler) and the cancels asked of it
  /// before then (None until the first).
  struct {
    Py_ssize_t name = 0, context = 0, coro = 0, job_id = 0, task = 0, cancels = 0;
  } handler_task_fields;

  // The app, the loop and each job (their signatures: py/snasio/_contract.py).
  py_ref plan_app, openapi, start_loop, run_startup, run_loop, run_shutdown, close_loop;
  py_ref start_task, handler_task, carry_on, eager_loop, schedule_flush, schedule_resume, pool, invoke, abandon, written;
  py_ref open_stream, start_pump, abandon_stream, room, draining;

  // From the bridge module and the standard library.
  py_ref run_batch;        ///< _snasio._run_batch, handed to run_loop
  py_ref uuid_class;       ///< uuid.UUID, for <uuid:...> parameters
  py_ref cancelled_error;  ///< asyncio.CancelledError
  /// asyncio's current task of each loop (asyncio.tasks._current_tasks, what
  /// asyncio.current_task() reads): a dict the server writes as
  /// asyncio.tasks._enter_task and _leave_task would, without their calls.
  py_ref current_tasks;
  /// The media types whose bodies are text (snasio._contract.TEXT_MEDIA_TYPES).
  std::vector<std::string> text_media_types;

  /// The two schemes a request can have: one str each for all requests.
  py_ref http_scheme, https_scheme;
  /// The usual request methods as interned str, shared by every request.
  std::array<py_ref, 7> methods;
  /// The last client host seen, as a str: requests from one host (behind a
  /// proxy, all of them) share it instead of each making its own.
  std::string last_client_host;
  py_ref last_client_host_str;

  /// The interned str for a usual method; nullptr for any other.
  PyObject* method(std::string_view name) const noexcept;

  /// Reads snasio._contract, checks it against the server, and looks every
  /// object up (GIL held); throws startup_error naming `package_dir`, or what
  /// the contract and the server disagree on.
  static py_objects load(const std::string& package_dir);
};

}  // namespace snasio::python
