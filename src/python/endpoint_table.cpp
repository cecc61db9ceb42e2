#include "python/endpoint_table.hpp"

#include <algorithm>
#include <filesystem>

#include "python/interpreter.hpp"
#include "python/py_text.hpp"
#include "routing/router.hpp"

namespace snasio::python {

namespace {

std::vector<std::string> modules_to_import(const python_config& config) {
  if (!config.modules.empty()) return config.modules;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(config.app_dir))
    if (entry.is_regular_file() && entry.path().extension() == ".py") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

// "module.qualname" of a handler, for the route table and log lines.
std::string qualified_name(PyObject* handler) {
  std::string name;
  py_ref module = py_ref::steal(PyObject_GetAttrString(handler, "__module__"));
  py_ref qualname = py_ref::steal(PyObject_GetAttrString(handler, "__qualname__"));
  PyErr_Clear();
  std::string part;
  if (module && PyUnicode_Check(module.get()) && utf8(module.get(), part)) name = part + ".";
  if (qualname && PyUnicode_Check(qualname.get()) && utf8(qualname.get(), part)) name += part;
  PyErr_Clear();
  return name;
}

execution_mode mode_for(const route_request& r) {
  if (r.is_async) return execution_mode::task;
  // A sync pool handler waits on a worker (`.result()`): run inline, it would
  // stall the loop; so it runs on the dispatch threads like blocking=True.
  if (r.blocking || r.use_pool) return execution_mode::dispatch_thread;
  return execution_mode::inline_call;
}

}  // namespace

void endpoint_table::import_app(const python_config& config) {
  if (config.app_dir.empty() && config.modules.empty()) return;
  if (!config.app_dir.empty() && !std::filesystem::exists(config.app_dir))
    throw startup_error("--app-dir " + config.app_dir + " does not exist");
  if (!config.app_dir.empty() && !std::filesystem::is_directory(config.app_dir))
    throw startup_error("--app-dir " + config.app_dir + " is not a directory");
  for (const auto& name : modules_to_import(config)) {
    // Importing runs the module's @route decorators, which call add().
    if (!py_ref::steal(PyImport_ImportModule(name.c_str())))
      throw startup_error("cannot import module '" + name + "':\n" + take_exception_text());
  }
}

bool endpoint_table::add(route_request r) {
  // A bad pattern is refused here, so the traceback points at the decorator
  // that wrote it; rules that clash are found when the router gets them all.
  try {
    routing::router::check(r.methods, r.pattern);
  } catch (const routing::pattern_error& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
    return false;
  }
  std::string name = qualified_name(r.handler.get());
  py_ref name_str = py_ref::steal(PyUnicode_FromStringAndSize(name.data(), Py_ssize_t(name.size())));
  if (!name_str) return false;
  routes_.push_back({std::move(r.methods), std::move(r.pattern), std::move(name), mode_for(r), r.use_pool});
  handlers_.push_back(std::move(r.handler));
  names_.push_back(std::move(name_str));
  return true;
}

}  // namespace snasio::python
