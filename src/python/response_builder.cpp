#include "python/response_builder.hpp"

#include <algorithm>

#include "python/json_convert.hpp"

namespace snasio::python {

namespace {

// What an absent status means: 200, or 204 for a None body.
constexpr int implied_status = -1;

std::string type_name(PyObject* o) { return Py_TYPE(o)->tp_name; }

bool utf8(PyObject* s, std::string& out) {
  Py_ssize_t n = 0;
  const char* c = PyUnicode_AsUTF8AndSize(s, &n);
  if (!c) return PyErr_Clear(), false;
  out.assign(c, std::size_t(n));
  return true;
}

bool is_token_char(unsigned char c) {
  static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || extra.find(char(c)) != std::string_view::npos;
}

// A header a handler returns goes onto the wire as is, so it must not be able
// to smuggle CR/LF (response splitting) or set the framing the server owns.
bool valid_header(const http::header& h, std::string& why) {
  if (h.name.empty() || !std::all_of(h.name.begin(), h.name.end(), [](unsigned char c) { return is_token_char(c); }))
    return why = "invalid header name '" + h.name + "'", false;
  if (h.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
    return why = "header '" + h.name + "' has a CR, LF or NUL in its value", false;
  for (std::string_view owned : {"Content-Length", "Transfer-Encoding", "Connection"})
    if (http::iequals(h.name, owned)) return why = "header '" + h.name + "' is set by the server", false;
  return true;
}

bool convert_pair(PyObject* name, PyObject* value, http::header_list& out, std::string& why) {
  if (!PyUnicode_Check(name) || !PyUnicode_Check(value))
    return why = "header names and values must be str", false;
  http::header h;
  if (!utf8(name, h.name) || !utf8(value, h.value)) return why = "header is not valid text", false;
  if (!valid_header(h, why)) return false;
  out.push_back(std::move(h));
  return true;
}

bool convert_status(PyObject* status, int& out, std::string& why) {
  if (!PyLong_Check(status) || PyBool_Check(status)) return why = "status must be an int, not " + type_name(status), false;
  long s = PyLong_AsLong(status);
  // Too big for a long: say so, rather than report the -1 that signals it.
  if (s == -1 && PyErr_Occurred())
    return PyErr_Clear(), why = "status is not a final HTTP status (200-599): too large", false;
  // 1xx are interim responses, never the answer to a request.
  if (s < 200 || s > 599) return why = "status " + std::to_string(s) + " is not a final HTTP status (200-599)", false;
  out = int(s);
  return true;
}

bool convert_body(PyObject* body, std::size_t max_depth, http::response& out, std::string& why) {
  if (body == Py_None) {
    if (out.status == implied_status) out.status = 204;
    return true;
  }
  if (out.status == implied_status) out.status = 200;
  if (PyDict_Check(body) || PyList_Check(body)) {
    out.content_type = "application/json";
    return python_to_json(body, out.body, why, max_depth);
  }
  if (PyUnicode_Check(body)) {
    out.content_type = "text/plain; charset=utf-8";
    return utf8(body, out.body) || (why = "returned str is not valid Unicode", false);
  }
  if (PyBytes_Check(body)) {
    out.content_type = "application/octet-stream";
    out.body.assign(PyBytes_AS_STRING(body), std::size_t(PyBytes_GET_SIZE(body)));
    return true;
  }
  if (PyByteArray_Check(body)) {
    out.content_type = "application/octet-stream";
    out.body.assign(PyByteArray_AS_STRING(body), std::size_t(PyByteArray_GET_SIZE(body)));
    return true;
  }
  why = "cannot turn a return value of type '" + type_name(body) + "' into a response";
  return false;
}

py_ref attribute(PyObject* o, const char* name) { return py_ref::steal(PyObject_GetAttrString(o, name)); }

bool from_response_object(PyObject* r, std::size_t max_depth, http::response& out, std::string& why) {
  py_ref body = attribute(r, "body"), status = attribute(r, "status");
  py_ref headers = attribute(r, "headers"), content_type = attribute(r, "content_type");
  if (!body || !status || !headers || !content_type) return PyErr_Clear(), why = "malformed Response object", false;
  if (!convert_status(status.get(), out.status, why) || !convert_body(body.get(), max_depth, out, why)) return false;
  if (content_type.get() != Py_None) {
    if (!PyUnicode_Check(content_type.get()) || !utf8(content_type.get(), out.content_type))
      return why = "content_type must be str", false;
    if (!valid_header({"Content-Type", out.content_type}, why)) return false;
  }
  return headers.get() == Py_None || convert_headers(headers.get(), out.headers, why);
}

}  // namespace

bool convert_headers(PyObject* headers, http::header_list& out, std::string& why) {
  if (PyDict_Check(headers)) {
    Py_ssize_t pos = 0;
    PyObject *name, *value;  // borrowed
    while (PyDict_Next(headers, &pos, &name, &value))
      if (!convert_pair(name, value, out, why)) return false;
    return true;
  }
  if (PyList_Check(headers) || PyTuple_Check(headers)) {
    py_ref items = py_ref::steal(PySequence_Fast(headers, ""));
    for (Py_ssize_t i = 0; items && i < PySequence_Fast_GET_SIZE(items.get()); ++i) {
      PyObject* pair = PySequence_Fast_GET_ITEM(items.get(), i);  // borrowed
      if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) return why = "headers must be (name, value) pairs", false;
      if (!convert_pair(PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1), out, why)) return false;
    }
    return true;
  }
  why = "headers must be a dict or a list of (name, value) pairs, not " + type_name(headers);
  return false;
}

bool to_response(PyObject* result, const py_objects& py, std::size_t max_depth, http::response& out, std::string& why) {
  out = http::response{};
  out.status = implied_status;
  bool ok;
  if (PyObject_TypeCheck(result, reinterpret_cast<PyTypeObject*>(py.response_class.get()))) {
    ok = from_response_object(result, max_depth, out, why);
  } else if (PyTuple_Check(result)) {
    Py_ssize_t n = PyTuple_GET_SIZE(result);
    if (n != 2 && n != 3) {
      why = "a returned tuple must be (body, status) or (body, status, headers)";
      return false;
    }
    ok = convert_status(PyTuple_GET_ITEM(result, 1), out.status, why) &&
         convert_body(PyTuple_GET_ITEM(result, 0), max_depth, out, why) &&
         (n == 2 || convert_headers(PyTuple_GET_ITEM(result, 2), out.headers, why));
  } else {
    ok = convert_body(result, max_depth, out, why);
  }
  // A user-supplied Content-Type replaces the one the body implied.
  for (const auto& h : out.headers)
    if (http::iequals(h.name, "Content-Type")) out.content_type.clear();
  if (PyErr_Occurred()) PyErr_Clear();
  return ok;
}

}  // namespace snasio::python
