#include "python/request_builder.hpp"

#include <structmember.h>

#include <algorithm>
#include <string>

#include "http/media_type.hpp"
#include "python/json_convert.hpp"
#include "python/py_text.hpp"
#include "python/typed_values.hpp"

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

// Every header in one str, "name\0value\0name\0value": one object instead of
// two per header, split by snasio.Headers only if the handler reads them.
// Header bytes are opaque octets to HTTP, so the str is Latin-1 (one code
// point per byte, never fails; WSGI and ASGI servers make the same choice).
py_ref header_text(const http::header_list& headers) {
  std::size_t size = 0;
  bool ascii = true;  // CPython keeps an all-ASCII str in its ASCII form
  auto is_ascii = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  };
  for (const auto& h : headers) {
    size += h.name.size() + h.value.size() + 2;
    ascii = ascii && is_ascii(h.value);  // names are tokens: ASCII always
  }
  if (size > 0) --size;  // no separator after the last value
  py_ref text = py_ref::steal(PyUnicode_New(Py_ssize_t(size), ascii ? 127 : 255));
  if (!text) return {};
  auto* out = static_cast<char*>(PyUnicode_DATA(text.get()));  // one byte per code point
  for (const auto& h : headers) {
    if (out != PyUnicode_DATA(text.get())) *out++ = '\0';
    out = std::copy(h.name.begin(), h.name.end(), out);
    *out++ = '\0';
    out = std::copy(h.value.begin(), h.value.end(), out);
  }
  return text;
}

py_ref client_address(const job& j, py_objects& py) {
  if (!py.last_client_host_str || j.client_host != py.last_client_host) {
    // The peer's address, or what a trusted proxy's header says: header bytes.
    py.last_client_host_str = latin1(j.client_host);
    if (!py.last_client_host_str) return {};
    py.last_client_host = j.client_host;
  }
  py_ref port = py_ref::steal(PyLong_FromLong(j.client_port));
  return port ? py_ref::steal(PyTuple_Pack(2, py.last_client_host_str.get(), port.get())) : py_ref{};
}

// The parsed body: JSON is parsed now, so a malformed one is refused before
// the handler runs; any other body is decoded only if the handler reads it.
py_ref parsed_body(const job& j, const py_objects& py, std::size_t max_depth, http::response& refusal) {
  if (j.body.empty()) return py_ref::borrow(Py_None);
  if (!http::is_json_media_type(http::find_header(j.headers, "Content-Type"))) return py_ref::borrow(py.unset.get());
  std::string error;
  py_ref value = json_to_python(j.body, error, max_depth);
  if (!value && !PyErr_Occurred()) refusal = http::response::error(400, error);
  return value;
}

// The charset to decode a body that is not JSON with, as a str; None when it
// is bytes (snasio._http.body_charset states the rule for Requests built in
// Python): text/*, the contract's TEXT_MEDIA_TYPES, */*+json and */*+xml are
// text (UTF-8 unless a charset is named), and so is any type sent with a charset.
py_ref body_charset(const job& j, const py_objects& py) {
  std::string_view content_type = http::find_header(j.headers, "Content-Type");
  if (j.body.empty() || content_type.empty()) return py_ref::borrow(Py_None);
  if (auto charset = http::parameter(content_type, "charset"); charset && !charset->empty()) return latin1(*charset);
  std::string media = http::media_type(content_type);
  bool text = media.starts_with("text/") || media.ends_with("+json") || media.ends_with("+xml") ||
              std::find(py.text_media_types.begin(), py.text_media_types.end(), media) != py.text_media_types.end();
  return text ? py_ref::steal(PyUnicode_InternFromString("utf-8")) : py_ref::borrow(Py_None);
}

// A form's fields, split on the reactor (http::split_form): one (name,
// filename, content type, data) tuple per multipart part or url-encoded
// field, filename and content type None when there are none, data as bytes.
// None for a body that is no form.
py_ref form_parts(const job& j) {
  const http::form& form = j.form;
  if (form.parts.empty() && form.fields.empty()) return py_ref::borrow(Py_None);
  std::size_t count = form.parts.size() + form.fields.size();
  py_ref tuple = py_ref::steal(PyTuple_New(Py_ssize_t(count)));
  auto add = [&](std::size_t i, py_ref name, py_ref filename, py_ref type, std::string_view bytes) {
    py_ref data = py_ref::steal(PyBytes_FromStringAndSize(bytes.data(), Py_ssize_t(bytes.size())));
    PyObject* part = name && filename && type && data ? PyTuple_Pack(4, name.get(), filename.get(), type.get(), data.get())
                                                      : nullptr;
    if (part) PyTuple_SET_ITEM(tuple.get(), Py_ssize_t(i), part);  // steals `part`
    return part != nullptr;
  };
  std::size_t i = 0;
  for (const auto& p : form.parts) {
    if (!tuple || !add(i++, text(p.name), p.filename ? text(*p.filename) : py_ref::borrow(Py_None),
                       p.content_type.empty() ? py_ref::borrow(Py_None) : latin1(p.content_type), p.data))
      return {};
  }
  for (const auto& [name, value] : form.fields)
    if (!tuple || !add(i++, text(name), py_ref::borrow(Py_None), py_ref::borrow(Py_None), value)) return {};
  return tuple;
}

}  // namespace

py_ref build_request(job& j, py_objects& py, std::size_t max_json_depth, http::response& refusal,
                     const python_route& route, const value_plans& plan) {
  py_ref raw_body = py_ref::steal(PyBytes_FromStringAndSize(j.body.data(), Py_ssize_t(j.body.size())));
  if (!raw_body) return {};
  // A typed route's values (its JSON body, parsed once, is request.body
  // too), or the answer refusing them when on_request hooks come first.
  py_ref values = py_ref::borrow(Py_None), problem = py_ref::borrow(Py_None), body;
  if (j.checked && j.checked->status != 0) problem = problem_response(j, py);
  else if (route.validator && j.checked) values = typed_values(j, plan, py, max_json_depth, route.validator->json_body_index(), body);
  if (!values || !problem) return {};
  if (!body) body = parsed_body(j, py, max_json_depth, refusal);
  if (!body) return {};
  py_ref charset = body.get() == py.unset.get() ? body_charset(j, py) : py_ref::borrow(Py_None);
  if (!charset) return {};
  py_ref parts = form_parts(j);
  if (!parts) return {};
  PyObject* usual_method = py.method(j.method);
  py_ref method = usual_method ? py_ref::borrow(usual_method)
                               : py_ref::steal(PyUnicode_FromStringAndSize(j.method.data(), Py_ssize_t(j.method.size())));
  py_ref path = text(j.path);
  py_ref params = path_params(j, py, refusal);
  py_ref query = latin1(j.raw_query);
  py_ref headers = header_text(j.headers);
  py_ref trailers = header_text(j.trailers);
  py_ref client = client_address(j, py);
  py_ref scheme = py_ref::borrow(j.https ? py.https_scheme.get() : py.http_scheme.get());
  py_ref request_id = ascii(j.request_id);  // safe characters only (connection_manager::request_id)
  if (!method || !path || !params || !query || !headers || !trailers || !client || !scheme || !request_id) return {};

  // A new Request, its fields filled in place (where each lives comes from
  // the class, request_layout::read): no Python-level __init__ runs per request.
  auto* type = reinterpret_cast<PyTypeObject*>(py.request_class.get());
  py_ref request = py.spare_request ? std::move(py.spare_request) : py_ref::steal(type->tp_alloc(type, 0));
  if (!request) return {};
  auto set = [&](Py_ssize_t field, py_ref value) {
    request_layout::field(request.get(), field) = value.release();  // the field was empty: it takes the reference
  };
  const request_layout& f = py.request;
  set(f.method, std::move(method));
  set(f.path, std::move(path));
  set(f.path_params, std::move(params));
  set(f.raw_body, std::move(raw_body));
  set(f.client, std::move(client));
  set(f.scheme, std::move(scheme));
  set(f.request_id, std::move(request_id));
  set(f.raw_query, std::move(query));
  set(f.raw_headers, std::move(headers));
  set(f.raw_trailers, std::move(trailers));
  set(f.body, std::move(body));
  set(f.charset, std::move(charset));
  set(f.headers, py_ref::borrow(Py_None));
  set(f.query, py_ref::borrow(Py_None));
  set(f.query_multi, py_ref::borrow(Py_None));
  set(f.parts, std::move(parts));
  set(f.lazy, py_ref::borrow(Py_None));
  set(f.values, std::move(values));
  set(f.problem, std::move(problem));
  return request;
}

void release_request(py_ref request, py_objects& py) {
  PyObject* r = request.get();
  if (!r || Py_REFCNT(r) != 1 || py.spare_request) return;  // (released as usual: someone keeps it, or one is spare)
  PyTypeObject* type = Py_TYPE(r);
  if (type != reinterpret_cast<PyTypeObject*>(py.request_class.get()) || type->tp_dictoffset || type->tp_weaklistoffset)
    return;  // (it could hold more than its fields)
  for (const PyMemberDef* m = type->tp_members; m && m->name; ++m)
    if (m->type == T_OBJECT_EX) Py_CLEAR(request_layout::field(r, m->offset));
  // Kept unless a field's release ran code that took it meanwhile.
  if (Py_REFCNT(r) == 1 && !py.spare_request) py.spare_request = std::move(request);
}

}  // namespace snasio::python
