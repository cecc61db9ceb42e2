#pragma once

#include <Python.h>

#include "python/py_ref.hpp"

namespace snasio::python {

/// The fields of a dataclass (names, in order; ClassVar and InitVar left
/// out, as dataclasses.fields() does), or of a msgspec Struct: what the JSON
/// writer writes of an instance.
struct class_fields {
  py_ref cls;
  py_ref names;  ///< a list (a dataclass's), a tuple (a Struct's), or None for any other class
  /// Whether a field may be read from an instance's __dict__: the class
  /// reads attributes as object does, and no data descriptor (a property, a
  /// slot) of its own or inherited has a field's name. Holds while the class
  /// keeps the version tag it had then (a change to a class changes its tag).
  bool in_dict = false;
  unsigned int version = 0;
  /// Each field's name as the JSON writer puts it before the value, made
  /// once: a bytes `"name":`, with a comma before all but the first. None
  /// when a name needs escaping (then the writer quotes each name itself).
  py_ref keys;
};

/// The fields of `type`, kept per class (so that no address is reused while
/// the cache holds it; bounded, since classes can be made at run time); the
/// entry stays valid until the next call. nullptr on an error. Under the GIL.
const class_fields* fields_of(PyTypeObject* type);

}  // namespace snasio::python
