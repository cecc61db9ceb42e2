#pragma once

#include <string>

#include "python/py_ref.hpp"

namespace snasio::python {

/// Every Python object the C++ side uses after start-up, looked up once, in
/// one place: no attribute is looked up by name per request. Owned by the GIL
/// thread and dropped before the interpreter finalizes.
struct py_objects {
  // From snasio's Python package.
  py_ref request_class;   ///< snasio.Request
  py_ref response_class;  ///< snasio.Response
  py_ref http_error;      ///< snasio.HTTPError
  py_ref unset;           ///< snasio.request._UNSET: a body decoded lazily as text

  // The loop module (py/snasio/_loop.py): what runs besides inline handlers.
  py_ref run;             ///< run(wake_fd, run_batch, pool_workers, dispatch_workers)
  py_ref start_task;      ///< start_task(coroutine, job_id)
  py_ref start_blocking;  ///< start_blocking(handler, args, job_id)
  py_ref cancel;          ///< cancel(job_id)
  py_ref pool;            ///< pool() -> the ProcessPoolExecutor
  py_ref schedule_flush;  ///< schedule_flush(): _snasio._flush at the next loop iteration

  // From the bridge module and the standard library.
  py_ref run_batch;        ///< _snasio._run_batch, handed to run()
  py_ref uuid_class;       ///< uuid.UUID, for <uuid:...> parameters
  py_ref cancelled_error;  ///< asyncio.CancelledError

  /// Looks every object up (GIL held); throws startup_error naming `package_dir`.
  static py_objects load(const std::string& package_dir);
};

}  // namespace snasio::python
