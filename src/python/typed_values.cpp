#include "python/typed_values.hpp"

#include <cctype>
#include <string>

#include "http/header.hpp"

#include "python/json_convert.hpp"
#include "python/py_text.hpp"

namespace snasio::python {

namespace {

// The part's header lines as (lower-case name, value) pairs.
py_ref part_headers(std::string_view head) {
  py_ref list = py_ref::steal(PyList_New(0));
  while (list && !head.empty()) {
    std::size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
    std::size_t colon = line.find(':');
    std::string name(http::trim(line.substr(0, colon)));
    for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    py_ref pair = py_ref::steal(Py_BuildValue("(NN)", latin1(name).release(),
                                              latin1(http::trim(line.substr(colon + 1))).release()));
    if (!pair || PyList_Append(list.get(), pair.get()) < 0) return {};
  }
  return list ? py_ref::steal(PyList_AsTuple(list.get())) : py_ref{};
}

py_ref uploaded(const http::form_part& part, const py_objects& py) {
  py_ref filename = text(part.filename ? *part.filename : std::string());
  py_ref type = latin1(part.content_type.empty() ? std::string_view("text/plain") : part.content_type);
  py_ref data = py_ref::steal(PyBytes_FromStringAndSize(part.data.data(), Py_ssize_t(part.data.size())));
  py_ref headers = part_headers(part.head);
  if (!filename || !type || !data || !headers) return {};
  return py_ref::steal(PyObject_CallFunctionObjArgs(py.uploaded_file.get(), filename.get(), type.get(), data.get(),
                                                    headers.get(), nullptr));
}

// One checked value as a Python object, before conversion.
py_ref plain(const validation::value& v, const job& j, const py_objects& py, std::size_t max_json_depth) {
  using kind = validation::value::kind;
  switch (v.k) {
    case kind::null: return py_ref::borrow(Py_None);
    case kind::boolean: return py_ref::borrow(v.boolean ? Py_True : Py_False);
    case kind::integer: return py_ref::steal(PyLong_FromLongLong(v.integer));
    case kind::number: return py_ref::steal(PyFloat_FromDouble(v.number));
    case kind::string: return py_ref::steal(PyUnicode_DecodeUTF8(v.text.data(), Py_ssize_t(v.text.size()), "replace"));
    case kind::json:
    case kind::body: {
      std::string error;
      py_ref out = json_to_python(v.k == kind::body ? std::string_view(j.body) : v.text, error, max_json_depth + 1, true);
      if (!out && !PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, error.c_str());
      return out;
    }
    case kind::files: {
      if (!v.many) return uploaded(j.form.parts[v.parts.front()], py);
      py_ref list = py_ref::steal(PyList_New(0));
      for (std::size_t i : v.parts) {
        py_ref file = list ? uploaded(j.form.parts[i], py) : py_ref{};
        if (!file || PyList_Append(list.get(), file.get()) < 0) return {};
      }
      return list;
    }
    case kind::missing: break;
  }
  return {};
}

}  // namespace

py_ref typed_values(const job& j, const value_plans& plan, const py_objects& py,
                    std::size_t max_json_depth, std::size_t body_index, py_ref& body) {
  const auto& values = j.checked->values;
  py_ref tuple = py_ref::steal(PyTuple_New(Py_ssize_t(values.size())));
  for (std::size_t i = 0; tuple && i < values.size(); ++i) {
    PyObject* fallback = i < plan.size() ? plan[i].first.get() : nullptr;  // borrowed
    py_ref value;
    if (values[i].k == validation::value::kind::missing) {
      value = py_ref::borrow(fallback && fallback != py.required.get() ? fallback : Py_None);
    } else {
      value = plain(values[i], j, py, max_json_depth);
      // A body converted (in place: value_plan::apply) is parsed again only if request.body is read.
      const bool converted = value && i < plan.size() && !plan[i].second.as_is();
      if (value && i == body_index) body = py_ref::borrow(converted ? py.json_unread.get() : value.get());
      if (converted) value = plan[i].second.apply(value.get());
    }
    if (!value) return {};
    PyTuple_SET_ITEM(tuple.get(), Py_ssize_t(i), value.release());
  }
  return tuple;
}

py_ref problem_response(const job& j, const py_objects& py) {
  py_ref body = py_ref::steal(PyBytes_FromStringAndSize(j.checked->body.data(), Py_ssize_t(j.checked->body.size())));
  py_ref status = py_ref::steal(PyLong_FromLong(j.checked->status));
  py_ref type = text(j.checked->content_type);
  py_ref headers = py_ref::steal(PyList_New(0));
  if (!body || !status || !type || !headers) return {};
  for (const auto& h : j.checked->headers) {
    py_ref pair = py_ref::steal(Py_BuildValue("(s#s#)", h.name.data(), Py_ssize_t(h.name.size()), h.value.data(),
                                              Py_ssize_t(h.value.size())));
    if (!pair || PyList_Append(headers.get(), pair.get()) < 0) return {};
  }
  PyObject* args[] = {body.get(), status.get(), headers.get(), type.get()};
  return py_ref::steal(PyObject_Vectorcall(py.response_class.get(), args, 4, nullptr));
}

}  // namespace snasio::python
