// py_ref: the one owner of a PyObject* reference in snasio's C++ code.
//
// CPython counts references by hand; every API call either hands you a *new*
// reference (you must release it) or a *borrowed* one (you must not). py_ref
// makes that choice visible where it happens, as pybind11's reinterpret_steal /
// reinterpret_borrow do: `py_ref::steal(PyList_New(0))` takes over a new
// reference, `py_ref::borrow(PyTuple_GET_ITEM(t, 0))` adds one of its own.
//
// Never make a py_ref static, global or thread_local: its destructor would run
// after Py_FinalizeEx and touch a dead interpreter. Create, use and destroy
// py_refs only on the GIL thread, with the GIL held.
#pragma once

#include <Python.h>

#include <utility>

namespace snasio::python {

/// A move-only strong reference to a Python object (or to nothing).
class py_ref {
 public:
  /// An empty reference, owning nothing.
  py_ref() noexcept = default;

  /// Takes over a new reference (may be null, e.g. from a failed API call).
  [[nodiscard]] static py_ref steal(PyObject* object) noexcept { return py_ref(object); }

  /// Adds a reference to a borrowed object (may be null) and owns that one.
  [[nodiscard]] static py_ref borrow(PyObject* object) noexcept {
    Py_XINCREF(object);
    return py_ref(object);
  }

  /// Moves the reference out of `other`, leaving it empty.
  py_ref(py_ref&& other) noexcept : object_(other.release()) {}

  /// Drops the current reference, then takes the one held by `other`.
  // Swapping through a temporary detaches the old object before its last
  // reference goes: a __del__ it runs can never see this py_ref half-updated.
  py_ref& operator=(py_ref&& other) noexcept {
    py_ref(std::move(other)).swap(*this);
    return *this;
  }

  py_ref(const py_ref&) = delete;
  py_ref& operator=(const py_ref&) = delete;

  /// Drops the reference held, if any.
  ~py_ref() { Py_XDECREF(object_); }

  /// The object, still owned by this py_ref (a borrowed pointer for the caller).
  [[nodiscard]] PyObject* get() const noexcept { return object_; }

  /// Gives up ownership: the caller now owns the returned reference.
  [[nodiscard]] PyObject* release() noexcept { return std::exchange(object_, nullptr); }

  /// Drops the reference held, if any, leaving this py_ref empty.
  void reset() noexcept { py_ref().swap(*this); }

  /// True when a reference is held.
  explicit operator bool() const noexcept { return object_ != nullptr; }

  /// Exchanges the references held by two py_refs.
  void swap(py_ref& other) noexcept { std::swap(object_, other.object_); }

 private:
  explicit py_ref(PyObject* object) noexcept : object_(object) {}

  PyObject* object_ = nullptr;
};

}  // namespace snasio::python
