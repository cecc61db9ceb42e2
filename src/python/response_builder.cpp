#include "python/response_builder.hpp"

#include <algorithm>

#include "log/log.hpp"
#include "python/errors.hpp"
#include "python/json_convert.hpp"
#include "python/py_text.hpp"

namespace snasio::python {

namespace {

// What an absent status means: 200, or 204 for a None body.
constexpr int implied_status = -1;

std::string type_name(PyObject* o) { return Py_TYPE(o)->tp_name; }

// Records why a value cannot be a response; always false, for `return refused(...)`.
bool refused(std::string& why, std::string reason) {
  why = std::move(reason);
  return false;
}

// A str's UTF-8 bytes, or false with the error indicator cleared.
bool utf8_or_clear(PyObject* s, std::string& out) {
  if (PyUnicode_Check(s) && utf8(s, out)) return true;
  PyErr_Clear();
  return false;
}

// A header a handler returns goes onto the wire as is, so it must not be able
// to smuggle CR/LF (response splitting) or set the framing the server owns.
bool valid_header(const http::header& h, std::string& why) {
  if (!http::is_token(h.name)) return refused(why, "invalid header name '" + h.name + "'");
  if (h.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
    return refused(why, "header '" + h.name + "' has a CR, LF or NUL in its value");
  for (std::string_view owned : {"Content-Length", "Transfer-Encoding", "Connection"})
    if (http::iequals(h.name, owned)) return refused(why, "header '" + h.name + "' is set by the server");
  return true;
}

bool convert_pair(PyObject* name, PyObject* value, http::header_list& out, std::string& why) {
  if (!PyUnicode_Check(name) || !PyUnicode_Check(value)) return refused(why, "header names and values must be str");
  http::header h;
  if (!utf8_or_clear(name, h.name) || !utf8_or_clear(value, h.value)) return refused(why, "header is not valid text");
  if (!valid_header(h, why)) return false;
  out.push_back(std::move(h));
  return true;
}

bool convert_status(PyObject* status, int& out, std::string& why) {
  if (!PyLong_Check(status) || PyBool_Check(status)) return refused(why, "status must be an int, not " + type_name(status));
  long s = PyLong_AsLong(status);
  // Too big for a long: say so, rather than report the -1 that signals it.
  if (s == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return refused(why, "status is not a final HTTP status (200-599): too large");
  }
  // 1xx are interim responses, never the answer to a request.
  if (s < 200 || s > 599) return refused(why, "status " + std::to_string(s) + " is not a final HTTP status (200-599)");
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
    return utf8_or_clear(body, out.body) || refused(why, "returned str is not valid Unicode");
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
  // Anything else is JSON if it can be: a dataclass, a model, a datetime,
  // a UUID, a set... (python_to_json says which value, where, if not).
  out.content_type = "application/json";
  return python_to_json(body, out.body, why, max_depth);
}

py_ref attribute(PyObject* o, const char* name) { return py_ref::steal(PyObject_GetAttrString(o, name)); }

// The cookies of Response.set_cookie(), kept apart from its headers (so a
// hook that replaces the headers keeps them): one Set-Cookie each.
bool add_cookies(PyObject* r, http::header_list& out, std::string& why) {
  py_ref cookies = attribute(r, "_cookies");
  if (!cookies) {
    PyErr_Clear();
    return refused(why, "malformed Response object");
  }
  if (cookies.get() == Py_None) return true;
  if (!PyList_Check(cookies.get())) return refused(why, "malformed Response object");
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(cookies.get()); ++i) {
    http::header h{"Set-Cookie", {}};
    PyObject* value = PyList_GET_ITEM(cookies.get(), i);  // borrowed
    if (!utf8_or_clear(value, h.value)) return refused(why, "a cookie is not valid text");
    if (std::string_view name = std::string_view(h.value).substr(0, h.value.find('=')); !http::is_token(name))
      return refused(why, "cookie name '" + std::string(name) + "' is not a token (RFC 6265)");
    if (!valid_header(h, why)) return false;
    out.push_back(std::move(h));
  }
  return true;
}

bool from_response_object(PyObject* r, std::size_t max_depth, http::response& out, std::string& why) {
  py_ref body = attribute(r, "body"), status = attribute(r, "status");
  // `_headers`: as the handler gave them, or the MutableHeaders a hook edited.
  py_ref headers = attribute(r, "_headers"), content_type = attribute(r, "content_type");
  if (!body || !status || !headers || !content_type) {
    PyErr_Clear();
    return refused(why, "malformed Response object");
  }
  if (!convert_status(status.get(), out.status, why) || !convert_body(body.get(), max_depth, out, why)) return false;
  if (content_type.get() != Py_None) {
    std::string type;
    if (!utf8_or_clear(content_type.get(), type)) return refused(why, "content_type must be str");
    if (!valid_header({"Content-Type", type}, why)) return false;
    out.content_type = std::move(type);
  }
  if (headers.get() != Py_None && !convert_headers(headers.get(), out.headers, why)) return false;
  return add_cookies(r, out.headers, why);
}

std::string describe(const request_label& label) {
  return std::string(label.method) + " " + std::string(label.path) + " (" + std::string(label.route) + ") [request " +
         std::string(label.request_id) + "]";
}

// What an HTTPError answers with: its status, the body {"error": detail} and
// its headers (new references; empty where an attribute is missing).
struct error_parts {
  py_ref status, body, headers;
};

error_parts parts_of_error(PyObject* error) {
  py_ref status = attribute(error, "status"), detail = attribute(error, "detail"), headers = attribute(error, "headers");
  PyErr_Clear();
  py_ref body = detail ? py_ref::steal(Py_BuildValue("{sO}", "error", detail.get())) : py_ref{};
  PyErr_Clear();
  return {std::move(status), std::move(body), std::move(headers)};
}

// A returned tuple's parts: (body, status) or (body, status, headers), borrowed;
// false with `why` set for a tuple of another length.
bool parts_of_tuple(PyObject* t, PyObject*& body, PyObject*& status, PyObject*& headers, std::string& why) {
  Py_ssize_t n = PyTuple_GET_SIZE(t);
  if (n != 2 && n != 3) return refused(why, "a returned tuple must be (body, status) or (body, status, headers)");
  body = PyTuple_GET_ITEM(t, 0);
  status = PyTuple_GET_ITEM(t, 1);
  headers = n == 3 ? PyTuple_GET_ITEM(t, 2) : nullptr;
  return true;
}

// HTTPError is the handler's own answer: its status, {"error": detail} and its
// headers. One that cannot be sent as it is (a status outside 400-599, say)
// is a 500 like any other failure.
http::response http_error_response(PyObject* error, std::size_t max_depth, const request_label& label) {
  auto [status, body, headers] = parts_of_error(error);
  long s = status && PyLong_Check(status.get()) ? PyLong_AsLong(status.get()) : 0;
  PyErr_Clear();
  http::response r{int(s), "application/json", {}, {}};
  std::string why;
  bool ok = false;
  if (s < 400 || s > 599)
    why = "the status of an HTTPError must be an error status, 400-599";
  else
    ok = body && python_to_json(body.get(), r.body, why, max_depth) &&
         (!headers || headers.get() == Py_None || convert_headers(headers.get(), r.headers, why));
  PyErr_Clear();
  if (ok) return r;
  log::line(log::level::error, describe(label) + ": unusable HTTPError (status " + std::to_string(s) + "): " + why);
  return http::response::error(500, "internal server error");
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
      if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) return refused(why, "headers must be (name, value) pairs");
      if (!convert_pair(PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1), out, why)) return false;
    }
    return true;
  }
  // A mapping of another kind (snasio.MutableHeaders): its (name, value) pairs.
  if (PyObject_HasAttrString(headers, "items")) {
    py_ref items = py_ref::steal(PyObject_CallMethod(headers, "items", nullptr));
    if (items && (PyList_Check(items.get()) || PyTuple_Check(items.get())))
      return convert_headers(items.get(), out, why);
    PyErr_Clear();
  }
  return refused(why, "headers must be a dict or a list of (name, value) pairs, not " + type_name(headers));
}

bool to_response(PyObject* result, const py_objects& py, std::size_t max_depth, http::response& out, std::string& why) {
  out = http::response{};
  out.status = implied_status;
  bool ok;
  if (PyObject_TypeCheck(result, reinterpret_cast<PyTypeObject*>(py.response_class.get()))) {
    ok = from_response_object(result, max_depth, out, why);
  } else if (PyTuple_Check(result)) {
    PyObject *body, *status, *headers;  // borrowed
    ok = parts_of_tuple(result, body, status, headers, why) && convert_status(status, out.status, why) &&
         convert_body(body, max_depth, out, why) && (!headers || convert_headers(headers, out.headers, why));
  } else {
    ok = convert_body(result, max_depth, out, why);
  }
  // A user-supplied Content-Type replaces the one the body implied.
  for (const auto& h : out.headers)
    if (http::iequals(h.name, "Content-Type")) out.content_type.clear();
  if (PyErr_Occurred()) PyErr_Clear();
  return ok;
}

py_ref as_response(PyObject* answer, const py_objects& py) {
  auto* response = reinterpret_cast<PyTypeObject*>(py.response_class.get());
  if (PyObject_TypeCheck(answer, response)) return py_ref::borrow(answer);
  auto make = [&](PyObject* body, PyObject* status, PyObject* headers) {
    PyObject* args[] = {body, status, headers ? headers : Py_None};
    return py_ref::steal(PyObject_Vectorcall(py.response_class.get(), args, 3, nullptr));
  };
  if (PyObject_IsInstance(answer, py.http_error.get()) == 1) {
    auto [status, body, headers] = parts_of_error(answer);
    if (!status || !body) return py_ref::steal(PyErr_Format(PyExc_TypeError, "a malformed HTTPError"));
    return make(body.get(), status.get(), headers.get());
  }
  if (PyTuple_Check(answer)) {
    PyObject *body, *status, *headers;  // borrowed
    std::string why;
    if (!parts_of_tuple(answer, body, status, headers, why))
      return py_ref::steal(PyErr_Format(PyExc_TypeError, "%s", why.c_str()));
    return make(body, status, headers);
  }
  if (PyGen_Check(answer) || PyAsyncGen_CheckExact(answer))
    return py_ref::steal(PyObject_CallOneArg(py.streaming_class.get(), answer));
  py_ref status = py_ref::steal(PyLong_FromLong(answer == Py_None ? 204 : 200));
  return status ? make(answer, status.get(), nullptr) : py_ref{};
}

http::response bad_return_value(std::string_view why, const request_label& label) {
  log::line(log::level::error, describe(label) + ": bad return value: " + std::string(why));
  return http::response::error(500, "internal server error");
}

http::response response_for(PyObject* result, PyObject* error, const py_objects& py, std::size_t max_json_depth,
                            const request_label& label) {
  if (result) {
    http::response r;
    std::string why;
    if (to_response(result, py, max_json_depth, r, why)) return r;
    return bad_return_value(why, label);
  }
  if (error && PyObject_IsInstance(error, py.http_error.get()) == 1)
    return http_error_response(error, max_json_depth, label);
  PyErr_Clear();
  // Anything else is a bug in the handler: the traceback goes to the log,
  // never to the client.
  log::line(log::level::error, "error in " + describe(label) + ":\n" + exception_text(error));
  return http::response::error(500, "internal server error");
}

}  // namespace snasio::python
