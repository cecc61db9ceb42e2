// The Catch2 main for the tests that need an interpreter: it owns CPython for
// the whole run. The interpreter is initialized once, every test runs on this
// thread with the GIL held, and Py_FinalizeEx runs after the last test.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "python/errors.hpp"
#include "python/interpreter.hpp"

int main(int argc, char* argv[]) {
  // The interpreter exactly as snasio starts it (isolated, no signal
  // handlers, PyConfig.executable set to Debian's python3); its destructor
  // finalizes after the last test.
  try {
    snasio::python::interpreter python{snasio::python::python_config{}};
    return Catch::Session().run(argc, argv);
  } catch (const snasio::python::startup_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
