// The fields the JSON writer reads of a dataclass or a msgspec Struct (class_fields.hpp).
#include "python/class_fields.hpp"

#include <vector>

namespace snasio::python {

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
  class_fields entry{py_ref::borrow(cls), std::move(names)};
  if (PyList_Check(entry.names.get()) && type->tp_getattro == PyObject_GenericGetAttr) {
    entry.in_dict = true;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(entry.names.get()); ++i)
      if (PyObject* d = _PyType_Lookup(type, PyList_GET_ITEM(entry.names.get(), i)); d && Py_TYPE(d)->tp_descr_set)
        entry.in_dict = false;
    entry.version = type->tp_version_tag;  // (the lookups gave the class one, if it can have one)
    entry.in_dict = entry.in_dict && PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG);
  }
  if (known.size() == 64) known.clear();
  known.push_back(std::move(entry));
  return &known.back();
}

}  // namespace snasio::python
