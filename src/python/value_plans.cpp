#include "python/value_plans.hpp"

#include <cstring>

#include "python/errors.hpp"
#include "python/py_text.hpp"

namespace snasio::python {

namespace {
// Plans nest as types do; past this, the converter is called instead.
constexpr int max_plan_depth = 32;

// Whether `key` is the str `name` (the same object, or the same text).
bool same_text(PyObject* key, PyObject* name) {
  if (key == name) return true;
  if (!PyUnicode_CheckExact(key) || PyUnicode_GET_LENGTH(key) != PyUnicode_GET_LENGTH(name) ||
      PyUnicode_KIND(key) != PyUnicode_KIND(name))
    return false;
  return std::memcmp(PyUnicode_DATA(key), PyUnicode_DATA(name), std::size_t(PyUnicode_GET_LENGTH(key)) * PyUnicode_KIND(key)) == 0;
}
}  // namespace

value_plan value_plan::of(PyObject* converter, const std::string& where, int depth) {
  value_plan p;
  if (!converter || converter == Py_None) return p;
  p.kind_ = kind::call;
  p.converter_ = py_ref::borrow(converter);
  py_ref plan = py_ref::steal(PyObject_GetAttrString(converter, "_snasio_plan"));
  if (!plan || depth > max_plan_depth) {
    PyErr_Clear();
    return p;
  }
  auto malformed = [&] { return startup_error(where + ": a converter's plan the server cannot follow"); };
  const Py_ssize_t size = PyTuple_Check(plan.get()) ? PyTuple_GET_SIZE(plan.get()) : 0;
  std::string what;
  if (size < 2 || !utf8(PyTuple_GET_ITEM(plan.get(), 0), what)) throw malformed();
  PyObject* first = PyTuple_GET_ITEM(plan.get(), 1);  // borrowed
  if (what == "float" && size == 2) {
    p.kind_ = kind::to_float;
  } else if (what == "list" && size == 2) {
    p.kind_ = kind::list;
    p.item_.push_back(of(first, where, depth + 1));
  } else if (what == "dataclass" && size == 3 && PyType_Check(first) && PyTuple_Check(PyTuple_GET_ITEM(plan.get(), 2))) {
    p.kind_ = kind::dataclass;
    p.class_ = py_ref::borrow(first);
    PyObject* fields = PyTuple_GET_ITEM(plan.get(), 2);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(fields); ++i) {
      PyObject* field = PyTuple_GET_ITEM(fields, i);  // (name, converter or None)
      if (!PyTuple_Check(field) || PyTuple_GET_SIZE(field) != 2 || !PyUnicode_Check(PyTuple_GET_ITEM(field, 0)))
        throw malformed();
      PyObject* name = PyTuple_GET_ITEM(field, 0);
      Py_INCREF(name);
      PyUnicode_InternInPlace(&name);
      p.fields_.emplace_back(py_ref::steal(name), of(PyTuple_GET_ITEM(field, 1), where, depth + 1));
    }
  } else {
    throw malformed();
  }
  return p;
}

py_ref value_plan::call(PyObject* value) const { return py_ref::steal(PyObject_CallOneArg(converter_.get(), value)); }

// A new instance of the class whose __dict__ is `dict`: no __init__ runs.
py_ref value_plan::instance(PyObject* dict) const {
  auto* cls = reinterpret_cast<PyTypeObject*>(class_.get());
  py_ref made;
  if (PyType_HasFeature(cls, Py_TPFLAGS_IS_ABSTRACT)) {  // object.__new__ refuses it, as the converter would
    py_ref no_arguments = py_ref::steal(PyTuple_New(0));
    made = no_arguments ? py_ref::steal(PyBaseObject_Type.tp_new(cls, no_arguments.get(), nullptr)) : py_ref{};
  } else {
    // What object.__new__ does, but for the room of attributes it would give
    // the instance only for `dict` to replace it at once.
    made = py_ref::steal(cls->tp_alloc(cls, 0));
  }
  if (!made || PyObject_GenericSetDict(made.get(), dict, nullptr) < 0) return {};
  return made;
}

py_ref value_plan::apply(PyObject* value) const {
  switch (kind_) {
    case kind::as_is: return py_ref::borrow(value);
    case kind::call: return call(value);
    case kind::to_float: {
      if (!PyLong_CheckExact(value)) return py_ref::borrow(value);
      const double d = PyLong_AsDouble(value);  // (an int past a double's range: OverflowError)
      return d == -1.0 && PyErr_Occurred() ? py_ref{} : py_ref::steal(PyFloat_FromDouble(d));
    }
    case kind::list: {
      if (!PyList_CheckExact(value)) return call(value);
      for (Py_ssize_t i = 0; i < PyList_GET_SIZE(value); ++i) {
        PyObject* item = PyList_GET_ITEM(value, i);  // borrowed
        py_ref converted = item_[0].apply(item);
        if (!converted) return {};
        if (converted.get() != item) PyList_SetItem(value, i, converted.release());  // drops `item`
      }
      return py_ref::borrow(value);
    }
    case kind::dataclass: {
      // An object with exactly the fields: its members, converted, become the
      // instance's __dict__, as the converter's own code would make it.
      if (!PyDict_CheckExact(value) || PyDict_GET_SIZE(value) != Py_ssize_t(fields_.size())) return call(value);
      // The JSON reader's dict, its keys the fields' names in field order,
      // is converted where it is and becomes the __dict__.
      std::size_t done = 0;  // members converted in place
      Py_ssize_t at = 0;
      PyObject *key, *member;  // borrowed
      for (; PyDict_Next(value, &at, &key, &member) && same_text(key, fields_[done].first.get()); ++done) {
        if (fields_[done].second.as_is()) continue;
        py_ref converted = fields_[done].second.apply(member);
        if (!converted || (converted.get() != member && PyDict_SetItem(value, key, converted.get()) < 0)) return {};
      }
      if (done == fields_.size()) return instance(value);
      // Other keys, or another order: a new dict in field order (the first `done` members converted already).
      py_ref members = py_ref::steal(PyDict_New());
      for (std::size_t i = 0; i < fields_.size(); ++i) {
        const auto& [name, plan] = fields_[i];
        member = members ? PyDict_GetItemWithError(value, name.get()) : nullptr;
        if (!member && !PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, name.get());  // as the converter's value[name]
        if (!member) return {};
        py_ref converted = i < done ? py_ref::borrow(member) : plan.apply(member);
        if (!converted || PyDict_SetItem(members.get(), name.get(), converted.get()) < 0) return {};
      }
      return instance(members.get());
    }
  }
  return {};
}

}  // namespace snasio::python
