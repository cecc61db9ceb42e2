#pragma once

#include <string>
#include <utility>
#include <vector>

#include "python/py_ref.hpp"

namespace snasio::python {

/// How a typed value is made from the Python objects its JSON became: what
/// its converter's `_snasio_plan` says (snasio._contract.PlannedRoute.values),
/// followed here without calling Python code: a list item by item, a
/// dataclass from an object with exactly its fields, an int given for a
/// float as a float. Anything else, the
/// converter itself is called for. (A body of many small dataclasses costs
/// a call of the converter per object otherwise.)
class value_plan {
 public:
  /// The plan of `converter` (None: the value as it is), GIL held; throws
  /// startup_error naming `where` for a plan the server cannot follow.
  static value_plan of(PyObject* converter, const std::string& where, int depth = 0);

  /// `value` converted, or empty with a Python exception set. `value` must
  /// be the caller's alone (as the JSON reader's objects are): its lists are
  /// converted in place, and a dict with the fields' names as its keys, in
  /// field order, becomes the instance's __dict__ as it is.
  py_ref apply(PyObject* value) const;
  /// Whether there is nothing to do.
  bool as_is() const noexcept { return kind_ == kind::as_is; }

 private:
  enum class kind { as_is, call, list, dataclass, to_float };
  py_ref call(PyObject* value) const;
  py_ref instance(PyObject* dict) const;

  kind kind_ = kind::as_is;
  py_ref converter_;                                 // call, and what a list or dataclass falls back on
  py_ref class_;                                     // dataclass
  std::vector<std::pair<py_ref, value_plan>> fields_;  // dataclass: (interned name, plan), in field order
  std::vector<value_plan> item_;                     // list: the one plan of its items
};

/// A route's checked values, in plan order: (default when absent, plan).
using value_plans = std::vector<std::pair<py_ref, value_plan>>;

}  // namespace snasio::python
