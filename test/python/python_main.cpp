// The Catch2 main for the tests that need an interpreter: it owns CPython for
// the whole run. The interpreter is initialized once, every test runs on this
// thread with the GIL held, and Py_FinalizeEx runs after the last test.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <Python.h>

#include <cstdio>

namespace {

// Starts an isolated interpreter, as snasio itself does: no environment
// variables, no user site-packages, no signal handlers (signals belong to the
// program). The executable must be the interpreter matching the embedded
// libpython, or sys.prefix and sys.path would come out wrong.
bool start_interpreter() {
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.install_signal_handlers = 0;
  PyStatus status = PyConfig_SetBytesString(&config, &config.executable, SNASIO_PYTHON_EXE);
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    std::fprintf(stderr, "cannot start Python: %s\n", status.err_msg ? status.err_msg : "unknown error");
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char* argv[]) {
  if (!start_interpreter()) return 1;
  int failures = Catch::Session().run(argc, argv);
  if (Py_FinalizeEx() != 0) {
    std::fprintf(stderr, "Py_FinalizeEx failed\n");
    return 1;
  }
  return failures;
}
