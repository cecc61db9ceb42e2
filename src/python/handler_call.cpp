#include "python/handler_call.hpp"

#include <vector>

namespace snasio::python {

namespace {

// Room for a handler's arguments without touching the heap, for all but
// handlers with more than a few parameters.
class argument_list {
 public:
  explicit argument_list(std::size_t n) {
    if (n > few) more_.resize(n);
  }
  PyObject** data() { return more_.empty() ? few_ : more_.data(); }

 private:
  static constexpr std::size_t few = 8;
  PyObject* few_[few] = {};
  std::vector<PyObject*> more_;
};

}  // namespace

py_ref handler_call::call(const job& j, PyObject* request, PyObject* pool) const {
  const python_route& route = endpoints_.route(j.route);
  if (route.call == call_kind::invoke) {
    py_ref route_id = py_ref::steal(PyLong_FromSize_t(j.route));
    py_ref job_id = job_id_object(j.id);
    if (!route_id || !job_id) return {};
    PyObject* args[] = {route_id.get(), job_id.get(), request, pool ? pool : Py_None};
    return py_ref::steal(PyObject_Vectorcall(py_.invoke.get(), args, 4, nullptr));
  }
  argument_list argv(route.arguments.size());
  if (!arguments(j, request, pool, argv.data())) return {};
  return py_ref::steal(
      PyObject_Vectorcall(endpoints_.handler(j.route), argv.data(), route.positional, endpoints_.keywords(j.route)));
}

// The values of a direct call's parameters, in order, into `out` (borrowed:
// the request and the pool keep them alive through the call).
bool handler_call::arguments(const job& j, PyObject* request, PyObject* pool, PyObject** out) const {
  const python_route& route = endpoints_.route(j.route);
  PyObject* params = nullptr;  // the Request's path_params dict (borrowed)
  for (const argument& a : route.arguments) {
    switch (a.from) {
      case argument_source::request: *out++ = request; break;
      case argument_source::pool: *out++ = pool; break;
      case argument_source::path: {
        if (!params) params = request_layout::field(request, py_.request.path_params);
        PyObject* value = PyDict_GetItemString(params, a.name.c_str());  // borrowed
        if (!value) {
          PyErr_Format(PyExc_KeyError, "no path parameter %s", a.name.c_str());
          return false;
        }
        *out++ = value;
        break;
      }
      case argument_source::value: {
        // A typed parameter, checked and converted: request._values[index]
        // (its member, for a body shared by several parameters).
        PyObject* values = request_layout::field(request, py_.request.values);
        PyObject* value = PyTuple_GET_ITEM(values, Py_ssize_t(a.index));  // borrowed
        if (!a.member.empty()) value = PyDict_GetItemString(value, a.member.c_str());
        if (!value) {
          PyErr_Format(PyExc_KeyError, "no value for parameter %s", a.name.c_str());
          return false;
        }
        *out++ = value;
        break;
      }
    }
  }
  return true;
}

py_ref handler_call::start(const job& j, PyObject* request, PyObject* pool) const {
  py_ref id = job_id_object(j.id);
  py_ref coroutine = id ? call(j, request, pool) : py_ref{};
  if (!coroutine) return {};
  PyObject* start_args[] = {coroutine.get(), id.get(), endpoints_.name(j.route)};
  return py_ref::steal(PyObject_Vectorcall(py_.start_task.get(), start_args, 3, nullptr));
}

}  // namespace snasio::python
