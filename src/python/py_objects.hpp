#pragma once

#include "python/py_ref.hpp"

namespace snasio::python {

/// The Python objects the GIL thread looks up once at start-up and uses on
/// every request. Owned by the GIL thread and dropped before finalization.
struct py_objects {
  py_ref request_class;   ///< snasio.Request
  py_ref response_class;  ///< snasio.Response
  py_ref http_error;      ///< snasio.HTTPError
  py_ref unset;           ///< the marker for a body decoded lazily as text
  py_ref uuid_class;      ///< uuid.UUID, for <uuid:...> parameters
  py_ref loop_module;     ///< snasio._loop: runs the event loop, tasks, pools
  py_ref cancelled_error; ///< asyncio.CancelledError
};

}  // namespace snasio::python
