#include "python/request_builder.hpp"

#include <string>

#include "http/media_type.hpp"
#include "python/json_convert.hpp"
#include "python/py_text.hpp"

namespace snasio::python {

namespace {

py_ref param_value(const routing::path_param& p, const py_objects& py) {
  using kind = routing::path_param::kind;
  switch (p.type) {
    case kind::integer: return py_ref::steal(PyLong_FromString(p.text.c_str(), nullptr, 10));  // exact at any size
    case kind::floating: return py_ref::steal(PyFloat_FromDouble(p.number));
    case kind::uuid: {
      py_ref s = text(p.text);
      return s ? py_ref::steal(PyObject_CallOneArg(py.uuid_class.get(), s.get())) : py_ref{};
    }
    case kind::string:
    case kind::path: break;
  }
  return text(p.text);
}

py_ref path_params(const job& j, const py_objects& py, http::response& refusal) {
  py_ref params = py_ref::steal(PyDict_New());
  if (!params) return {};
  for (const auto& p : j.params) {
    py_ref value = param_value(p, py);
    if (!value && p.type == routing::path_param::kind::integer && PyErr_ExceptionMatches(PyExc_ValueError)) {
      // Python refuses to convert integers of more than 4300 digits (its
      // guard against quadratic-time conversion): the client's path is at fault.
      PyErr_Clear();
      refusal = http::response::error(400, "integer path parameter '" + p.name + "' is too long");
      return {};
    }
    if (!value || PyDict_SetItemString(params.get(), p.name.c_str(), value.get()) < 0) return {};
  }
  return params;
}

py_ref header_pairs(const job& j) {
  py_ref tuple = py_ref::steal(PyTuple_New(Py_ssize_t(j.headers.size())));
  if (!tuple) return {};
  for (std::size_t i = 0; i < j.headers.size(); ++i) {
    py_ref name = latin1(j.headers[i].name), value = latin1(j.headers[i].value);
    if (!name || !value) return {};
    PyObject* pair = PyTuple_Pack(2, name.get(), value.get());
    if (!pair) return {};
    PyTuple_SET_ITEM(tuple.get(), Py_ssize_t(i), pair);  // steals `pair`
  }
  return tuple;
}

// The parsed body: JSON is parsed now, so a malformed one is refused before
// the handler runs; any other body is decoded only if the handler reads it.
py_ref parsed_body(const job& j, const py_objects& py, std::size_t max_depth, http::response& refusal) {
  if (j.body.empty()) return py_ref::borrow(Py_None);
  if (!http::is_json_media_type(http::find_header(j.headers, "Content-Type"))) return py_ref::borrow(py.unset.get());
  std::string error;
  py_ref value = json_to_python(j.body, error, max_depth);
  if (!value) refusal = http::response::error(400, error);
  return value;
}

}  // namespace

py_ref build_request(job& j, const py_objects& py, std::size_t max_json_depth, http::response& refusal) {
  py_ref body = parsed_body(j, py, max_json_depth, refusal);
  if (!body) return {};
  py_ref method = py_ref::steal(PyUnicode_InternFromString(j.method.c_str()));
  py_ref path = text(j.path);
  py_ref params = path_params(j, py, refusal);
  py_ref query = latin1(j.raw_query);
  py_ref headers = header_pairs(j);
  py_ref raw_body = py_ref::steal(PyBytes_FromStringAndSize(j.body.data(), Py_ssize_t(j.body.size())));
  py_ref client = py_ref::steal(Py_BuildValue("(s#i)", j.client_host.data(), Py_ssize_t(j.client_host.size()),
                                              int(j.client_port)));
  if (!method || !path || !params || !query || !headers || !raw_body || !client) return {};
  PyObject* args[] = {method.get(), path.get(), params.get(), query.get(),
                      headers.get(), raw_body.get(), body.get(), client.get()};
  return py_ref::steal(PyObject_Vectorcall(py.request_class.get(), args, std::size(args), nullptr));
}

}  // namespace snasio::python
