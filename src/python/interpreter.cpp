#include "python/interpreter.hpp"

#include <Python.h>

#include <csignal>
#include <filesystem>

#include "python/bridge_module.hpp"
#include "python/errors.hpp"
#include "python/py_ref.hpp"

namespace snasio::python {

namespace {

void check(PyStatus status, PyConfig& config, const char* what) {
  if (!PyStatus_Exception(status)) return;
  PyConfig_Clear(&config);
  std::string message = std::string("cannot initialize Python (") + what + ")";
  if (status.err_msg) message += std::string(": ") + status.err_msg;
  throw startup_error(message);
}

// The executable decides what Python calls its prefix: Debian's
// /usr/bin/python3 gives /usr and dist-packages; a venv's bin/python3 (found
// next to its pyvenv.cfg) gives the venv and its site-packages. Left unset,
// an isolated config looks `python3` up on PATH and may find another one.
std::string executable_for(const python_config& config) {
  if (config.venv.empty()) return SNASIO_PYTHON_EXE;
  std::filesystem::path venv_python = std::filesystem::path(config.venv) / "bin" / "python3";
  if (!std::filesystem::exists(std::filesystem::path(config.venv) / "pyvenv.cfg") ||
      !std::filesystem::exists(venv_python))
    throw startup_error(config.venv_named_by + (config.venv_named_by == "--venv" ? " " : "=") + config.venv +
                        " is not a virtual environment (no pyvenv.cfg or bin/python3)");
  return venv_python.string();
}

void prepend_sys_path(const std::string& dir) {
  PyObject* path = PySys_GetObject("path");  // borrowed
  py_ref entry = py_ref::steal(PyUnicode_DecodeFSDefault(dir.c_str()));
  if (!path || !entry || PyList_Insert(path, 0, entry.get()) < 0)
    throw startup_error("cannot add " + dir + " to sys.path: " + take_exception_text());
}

}  // namespace

std::string find_package_dir() {
  namespace fs = std::filesystem;
  // Set by meson for this file: the package relative to the installed
  // binary's directory, in the source tree, and where it is installed.
  std::error_code ec;
  fs::path binary = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& dir : {binary.parent_path() / SNASIO_PY_FROM_BINDIR, fs::path(SNASIO_PY_SOURCE_DIR),
                              fs::path(SNASIO_PY_INSTALL_DIR)})
    if (dir.is_absolute() && fs::exists(dir / "snasio" / "__init__.py", ec)) return dir.lexically_normal().string();
  return {};
}

interpreter::interpreter(const python_config& config) {
  register_bridge_module();

  PyConfig py;
  // Isolated: no PYTHON* environment variables, no user site-packages, no
  // current directory on sys.path. And no signal handlers: SIGINT and
  // SIGTERM belong to the reactor's asio::signal_set.
  PyConfig_InitIsolatedConfig(&py);
  py.install_signal_handlers = 0;
  // Without its handlers Python also leaves SIGPIPE at its default, which
  // kills the process: a write to a pipe whose reader has gone (a pool
  // worker stopped at shutdown) must fail with EPIPE, as Python code expects.
  std::signal(SIGPIPE, SIG_IGN);
  py.parse_argv = 0;
  // print() reaches stdout at once, also when stdout is a pipe or a file
  // (journald, docker logs, > file), not when a buffer fills: and nothing is
  // left in a buffer if the process has to exit without finalizing.
  py.buffered_stdio = 0;
  py.write_bytecode = config.write_bytecode ? 1 : 0;
  std::string exe = executable_for(config);
  check(PyConfig_SetBytesString(&py, &py.executable, exe.c_str()), py, "executable");
  char* argv[] = {const_cast<char*>("snasio-serve")};
  check(PyConfig_SetBytesArgv(&py, 1, argv), py, "argv");
  check(Py_InitializeFromConfig(&py), py, "interpreter");
  PyConfig_Clear(&py);

  // sys.path: the app first, then snasio's own package, so `import snasio`
  // finds this server's API even if the app dir is elsewhere.
  if (!config.package_dir.empty()) prepend_sys_path(config.package_dir);
  if (!config.app.empty()) prepend_sys_path(std::filesystem::current_path().string());
  if (!config.app_dir.empty()) prepend_sys_path(std::filesystem::absolute(config.app_dir).string());
}

interpreter::~interpreter() { Py_FinalizeEx(); }

}  // namespace snasio::python
