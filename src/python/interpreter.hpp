#pragma once

#include <stdexcept>
#include <string>

#include "python/py_ref.hpp"
#include "python/python_config.hpp"

namespace snasio::python {

/// Start-up failed: the app cannot be served. what() is the message for the user.
struct startup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The embedded interpreter's lifetime: initialized by the constructor,
/// finalized by the destructor, both on the GIL thread (the only thread that
/// ever calls the CPython API). The GIL is held in between.
class interpreter {
 public:
  /// Initializes CPython for `config`; throws startup_error.
  explicit interpreter(const python_config& config);
  ~interpreter();
  interpreter(const interpreter&) = delete;
  interpreter& operator=(const interpreter&) = delete;
};

/// Where snasio's own Python package is, for an empty python_config::package_dir:
/// beside an installed binary (<bindir>/../<python_site>/snasio), else in the
/// source tree the library was built from, else where `meson install` put it;
/// empty when none of them has it (then Python's own sys.path must find it).
std::string find_package_dir();

/// Takes the Python exception that is set (clearing the indicator), normalized
/// and with its traceback attached; empty when none is set.
py_ref fetch_exception();
/// Formats an exception with its traceback, as Python would print it.
std::string exception_text(PyObject* exception);
/// Takes the Python exception that is set and formats it.
inline std::string take_exception_text() { return exception_text(fetch_exception().get()); }

}  // namespace snasio::python
