#include "python/py_objects.hpp"

#include "python/interpreter.hpp"

namespace snasio::python {

namespace {

// Looks up `module.name`; a failure leaves a Python exception set and an
// empty py_ref, and later lookups are skipped so the first error is kept.
py_ref lookup(const char* module, const char* name) {
  if (PyErr_Occurred()) return {};
  py_ref m = py_ref::steal(PyImport_ImportModule(module));
  return m ? py_ref::steal(PyObject_GetAttrString(m.get(), name)) : py_ref{};
}

}  // namespace

py_objects py_objects::load(const std::string& package_dir) {
  py_objects py;
  py.request_class = lookup("snasio", "Request");
  py.response_class = lookup("snasio", "Response");
  py.http_error = lookup("snasio", "HTTPError");
  py.unset = lookup("snasio.request", "_UNSET");
  py.run = lookup("snasio._loop", "run");
  py.start_task = lookup("snasio._loop", "start_task");
  py.start_blocking = lookup("snasio._loop", "start_blocking");
  py.cancel = lookup("snasio._loop", "cancel");
  py.pool = lookup("snasio._loop", "pool");
  py.schedule_flush = lookup("snasio._loop", "schedule_flush");
  py.run_batch = lookup("_snasio", "_run_batch");
  py.uuid_class = lookup("uuid", "UUID");
  py.cancelled_error = lookup("asyncio", "CancelledError");
  if (PyErr_Occurred())
    throw startup_error("cannot load snasio's Python package from '" + package_dir + "':\n" + take_exception_text());
  return py;
}

}  // namespace snasio::python
