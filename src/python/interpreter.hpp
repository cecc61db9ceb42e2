#pragma once

#include <string>

#include "python/python_config.hpp"

namespace snasio::python {

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

}  // namespace snasio::python
