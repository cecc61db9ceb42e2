#include "python/errors.hpp"

namespace snasio::python {

py_ref fetch_exception() {
  if (!PyErr_Occurred()) return {};
  PyObject *type, *value, *trace;
  PyErr_Fetch(&type, &value, &trace);
  PyErr_NormalizeException(&type, &value, &trace);
  py_ref t = py_ref::steal(type), v = py_ref::steal(value), tb = py_ref::steal(trace);
  if (v && tb) PyException_SetTraceback(v.get(), tb.get());
  return v;
}

std::string exception_text(PyObject* exception) {
  if (!exception) return {};
  py_ref module = py_ref::steal(PyImport_ImportModule("traceback"));
  py_ref lines = module ? py_ref::steal(PyObject_CallMethod(module.get(), "format_exception", "O", exception)) : py_ref{};
  py_ref empty = py_ref::steal(PyUnicode_FromString(""));
  py_ref text = lines && empty ? py_ref::steal(PyUnicode_Join(empty.get(), lines.get())) : py_ref{};
  // Formatting failed (a broken __str__, say): the bare message will do.
  if (!text) {
    PyErr_Clear();
    text = py_ref::steal(PyObject_Str(exception));
  }
  const char* c = text ? PyUnicode_AsUTF8(text.get()) : nullptr;
  std::string out = c ? c : "(unprintable exception)";
  PyErr_Clear();
  return out;
}

}  // namespace snasio::python
