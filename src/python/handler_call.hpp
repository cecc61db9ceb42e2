#pragma once

#include "python/endpoint_table.hpp"
#include "python/job.hpp"
#include "python/py_objects.hpp"
#include "python/py_ref.hpp"

namespace snasio::python {

/// The calling conventions: how the GIL thread calls a route's handler, as
/// its plan says (GIL held).
class handler_call {
 public:
  handler_call(const endpoint_table& endpoints, const py_objects& py) : endpoints_(endpoints), py_(py) {}

  /// Calls the handler of `j`'s route: itself with its parameters filled (by
  /// position when they lead, else by keyword), or through the invoker.
  /// Returns its result (for an async route, a coroutine), or empty with a
  /// Python exception set.
  py_ref call(const job& j, PyObject* request, PyObject* pool) const;
  /// Starts an async handler as a Task on the loop, which reports back
  /// through _snasio._handler_done. Returns the Task, or empty with a Python
  /// exception set.
  py_ref start(const job& j, PyObject* request, PyObject* pool) const;

 private:
  bool arguments(const job& j, PyObject* request, PyObject* pool, PyObject** out) const;

  const endpoint_table& endpoints_;
  const py_objects& py_;
};

/// A job id as a Python int (new reference; empty with MemoryError set).
inline py_ref job_id_object(std::uint64_t id) { return py_ref::steal(PyLong_FromUnsignedLongLong(id)); }

}  // namespace snasio::python
