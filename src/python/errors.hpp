// Python exceptions on the C++ side: the one type a failed start-up throws,
// and the one way an exception becomes text for the log.
#pragma once

#include <stdexcept>
#include <string>

#include "python/py_ref.hpp"

namespace snasio::python {

/// Start-up failed: the app cannot be served. what() is the message for the user.
struct startup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Takes the Python exception that is set (clearing the indicator), normalized
/// and with its traceback attached; empty when none is set.
py_ref fetch_exception();
/// Formats an exception with its traceback, as Python would print it.
std::string exception_text(PyObject* exception);
/// Takes the Python exception that is set and formats it.
inline std::string take_exception_text() { return exception_text(fetch_exception().get()); }

}  // namespace snasio::python
