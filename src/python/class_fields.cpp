// The fields the JSON writer reads of a dataclass or a msgspec Struct (class_fields.hpp).
#include "python/class_fields.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace snasio::python {

namespace {
// class_fields::keys of `names` (a list, a tuple or None); nullptr on an error.
py_ref written_keys(PyObject* names) {
  if (names == Py_None) return py_ref::borrow(Py_None);
  py_ref fields = py_ref::steal(PySequence_Fast(names, "fields"));
  if (!fields) return {};
  py_ref keys = py_ref::steal(PyTuple_New(PySequence_Fast_GET_SIZE(fields.get())));
  for (Py_ssize_t i = 0; keys && i < PySequence_Fast_GET_SIZE(fields.get()); ++i) {
    Py_ssize_t size = 0;
    const char* name = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fields.get(), i), &size);
    if (!name) return {};
    std::string_view text(name, std::size_t(size));
    if (std::any_of(text.begin(), text.end(), [](char c) { return c == '"' || c == '\\' || (unsigned char)c < 0x20; }))
      return py_ref::borrow(Py_None);
    std::string key = i > 0 ? ",\"" : "\"";
    key.append(text).append("\":");
    PyObject* bytes = PyBytes_FromStringAndSize(key.data(), Py_ssize_t(key.size()));
    if (!bytes) return {};
    PyTuple_SET_ITEM(keys.get(), i, bytes);
  }
  return keys;
}
}  // namespace

const class_fields* fields_of(PyTypeObject* type) {  // nullptr: an error
  // Never destroyed: Python may be finalized before static destructors run.
  static auto& known = *new std::vector<class_fields>;  // under the GIL
  static PyObject* plain_field = nullptr;               // dataclasses._FIELD, held for good
  for (const auto& k : known)
    if (k.cls.get() == reinterpret_cast<PyObject*>(type)) return &k;
  py_ref names = py_ref::borrow(Py_None);
  PyObject* cls = reinterpret_cast<PyObject*>(type);
  if (py_ref declared = py_ref::steal(PyObject_GetAttrString(cls, "__dataclass_fields__")); declared && PyDict_Check(declared.get())) {
    if (!plain_field) plain_field = PyObject_GetAttrString(py_ref::steal(PyImport_ImportModule("dataclasses")).get(), "_FIELD");
    names = py_ref::steal(PyList_New(0));
    Py_ssize_t at = 0;
    PyObject *name, *field;  // borrowed
    while (names && PyDict_Next(declared.get(), &at, &name, &field)) {
      py_ref kind = py_ref::steal(PyObject_GetAttrString(field, "_field_type"));
      if (kind && kind.get() == plain_field && PyList_Append(names.get(), name) < 0) names = {};
    }
  } else if (py_ref declared = py_ref::steal(PyObject_GetAttrString(cls, "__struct_fields__")); declared && PyTuple_Check(declared.get())) {
    names = std::move(declared);
  }
  PyErr_Clear();
  if (!names) return nullptr;
  class_fields entry{py_ref::borrow(cls), std::move(names), false, 0, {}};
  if (PyList_Check(entry.names.get()) && type->tp_getattro == PyObject_GenericGetAttr) {
    entry.in_dict = true;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(entry.names.get()); ++i)
      if (PyObject* d = _PyType_Lookup(type, PyList_GET_ITEM(entry.names.get(), i)); d && Py_TYPE(d)->tp_descr_set)
        entry.in_dict = false;
    entry.version = type->tp_version_tag;  // (the lookups gave the class one, if it can have one)
    entry.in_dict = entry.in_dict && PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG);
  }
  entry.keys = written_keys(entry.names.get());
  if (!entry.keys) return nullptr;
  if (known.size() == 64) known.clear();
  known.push_back(std::move(entry));
  return &known.back();
}

}  // namespace snasio::python
