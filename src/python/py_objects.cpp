#include "python/py_objects.hpp"

#include <structmember.h>

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

constexpr std::array<const char*, std::size_t(request_field::count)> request_slot_names = {
    "method", "path", "path_params", "raw_body", "client", "_raw_query",
    "_raw_headers", "_body", "_headers", "_query", "_query_multi", "_parts", "_lazy", "scheme", "request_id",
};

constexpr std::array<std::string_view, 7> usual_methods = {"GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"};

// A __slots__ entry is a member descriptor on the class that knows where the
// slot lives in each instance. Reading the offsets once lets the GIL thread
// store a new Request's fields directly, as the class's own descriptors would.
bool find_request_offsets(PyObject* request_class, py_objects& py) {
  for (std::size_t i = 0; i < request_slot_names.size(); ++i) {
    py_ref slot = py_ref::steal(PyObject_GetAttrString(request_class, request_slot_names[i]));
    if (!slot) return false;
    if (!Py_IS_TYPE(slot.get(), &PyMemberDescr_Type) ||
        reinterpret_cast<PyMemberDescrObject*>(slot.get())->d_member->type != T_OBJECT_EX) {
      PyErr_Format(PyExc_TypeError, "snasio.Request.%s is not a __slots__ field", request_slot_names[i]);
      return false;
    }
    py.request_offsets[i] = reinterpret_cast<PyMemberDescrObject*>(slot.get())->d_member->offset;
  }
  return true;
}

}  // namespace

PyObject* py_objects::method(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < usual_methods.size(); ++i)
    if (usual_methods[i] == name) return methods[i].get();
  return nullptr;
}

py_objects py_objects::load(const std::string& package_dir) {
  py_objects py;
  py.request_class = lookup("snasio", "Request");
  py.response_class = lookup("snasio", "Response");
  py.streaming_class = lookup("snasio", "StreamingResponse");
  py.http_error = lookup("snasio", "HTTPError");
  py.unset = lookup("snasio.request", "_UNSET");
  py.start = lookup("snasio._loop", "start");
  py.run = lookup("snasio._loop", "run");
  py.start_task = lookup("snasio._loop", "start_task");
  py.start_blocking = lookup("snasio._loop", "start_blocking");
  py.cancel = lookup("snasio._loop", "cancel");
  py.pool = lookup("snasio._loop", "pool");
  py.schedule_flush = lookup("snasio._loop", "schedule_flush");
  py.open_stream = lookup("snasio._streams", "open_stream");
  py.stream_room = lookup("snasio._streams", "stream_room");
  py.end_event_streams = lookup("snasio._streams", "end_event_streams");
  py.invoke = lookup("snasio.app", "_invoke");
  py.written = lookup("snasio.app", "_written");
  py.run_batch = lookup("_snasio", "_run_batch");
  py.uuid_class = lookup("uuid", "UUID");
  py.cancelled_error = lookup("asyncio", "CancelledError");
  if (py.request_class) find_request_offsets(py.request_class.get(), py);
  if (!PyErr_Occurred()) py.http_scheme = py_ref::steal(PyUnicode_InternFromString("http"));
  if (!PyErr_Occurred()) py.https_scheme = py_ref::steal(PyUnicode_InternFromString("https"));
  for (std::size_t i = 0; i < usual_methods.size() && !PyErr_Occurred(); ++i)
    py.methods[i] = py_ref::steal(PyUnicode_InternFromString(std::string(usual_methods[i]).c_str()));
  if (PyErr_Occurred())
    throw startup_error("cannot load snasio's Python package from '" + (package_dir.empty() ? "sys.path" : package_dir) +
                        "':\n" + take_exception_text());
  return py;
}

}  // namespace snasio::python
