#include "python/endpoint_table.hpp"

#include <algorithm>
#include <filesystem>

#include "python/interpreter.hpp"
#include "python/py_text.hpp"

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

// Reads a str into `out`; false with a Python exception set.
bool text_of(PyObject* s, std::string& out) {
  if (PyUnicode_Check(s)) return utf8(s, out);
  PyErr_SetString(PyExc_TypeError, "snasio.app._finish: expected a str");
  return false;
}

}  // namespace

void endpoint_table::import_app(const python_config& config) {
  if (config.app_dir.empty() && config.modules.empty()) return;
  if (!config.app_dir.empty() && !std::filesystem::exists(config.app_dir))
    throw startup_error("--app-dir " + config.app_dir + " does not exist");
  if (!config.app_dir.empty() && !std::filesystem::is_directory(config.app_dir))
    throw startup_error("--app-dir " + config.app_dir + " is not a directory");
  for (const auto& name : modules_to_import(config)) {
    // Importing runs the module's @route decorators, provide() calls, ...
    if (!py_ref::steal(PyImport_ImportModule(name.c_str())))
      throw startup_error("cannot import module '" + name + "':\n" + take_exception_text());
  }
  // ...and only now, with every module imported, is each route planned.
  py_ref app = py_ref::steal(PyImport_ImportModule("snasio.app"));
  py_ref finish = app ? py_ref::steal(PyObject_GetAttrString(app.get(), "_finish")) : py_ref{};
  py_ref planned = finish ? py_ref::steal(PyObject_CallNoArgs(finish.get())) : py_ref{};
  if (!planned) {
    // A route that cannot be planned is the app's mistake, said in one line;
    // anything else is a failure with a traceback.
    py_ref error = fetch_exception();
    py_ref plan_error = app ? py_ref::steal(PyObject_GetAttrString(app.get(), "PlanError")) : py_ref{};
    py_ref message = error && plan_error && PyObject_IsInstance(error.get(), plan_error.get()) == 1
                         ? py_ref::steal(PyObject_Str(error.get()))
                         : py_ref{};
    std::string text;
    if (message && utf8(message.get(), text)) throw startup_error("cannot plan the app: " + text);
    PyErr_Clear();
    throw startup_error(exception_text(error.get()));
  }
  PyObject *routes, *settings;  // borrowed
  if (!PyArg_ParseTuple(planned.get(), "O!O!", &PyList_Type, &routes, &PyDict_Type, &settings))
    throw startup_error("snasio.app._finish returned something else:\n" + take_exception_text());
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(routes); ++i) add(PyList_GET_ITEM(routes, i));
  Py_ssize_t pos = 0;
  PyObject *key, *value;  // borrowed
  while (PyDict_Next(settings, &pos, &key, &value)) {
    app_setting s;
    if (!text_of(key, s.first) || !text_of(value, s.second)) throw startup_error(take_exception_text());
    settings_.push_back(std::move(s));
  }
}

// One planned route from snasio.app._finish: (pattern, methods, handler,
// call, mode, use_pool, arguments, cleanup, positional).
void endpoint_table::add(PyObject* planned) {
  PyObject *pattern, *methods, *handler, *arguments;  // borrowed
  int call, mode, use_pool, cleanup;
  Py_ssize_t positional;
  if (!PyArg_ParseTuple(planned, "UO!OiipO!pn", &pattern, &PyList_Type, &methods, &handler, &call, &mode, &use_pool,
                        &PyTuple_Type, &arguments, &cleanup, &positional))
    throw startup_error("snasio.app._finish planned a route oddly:\n" + take_exception_text());
  python_route r;
  r.call = call == 0 ? call_kind::direct : call_kind::invoke;
  r.mode = mode == 1 ? execution_mode::task : mode == 2 ? execution_mode::dispatch_thread : execution_mode::inline_call;
  r.use_pool = use_pool;
  r.cleanup = cleanup;
  r.name = qualified_name(handler);
  bool ok = text_of(pattern, r.pattern);
  for (Py_ssize_t i = 0; ok && i < PyList_GET_SIZE(methods); ++i) {
    std::string method;
    ok = text_of(PyList_GET_ITEM(methods, i), method);
    r.methods.push_back(std::move(method));
  }
  Py_ssize_t count = PyTuple_GET_SIZE(arguments);
  positional = std::clamp<Py_ssize_t>(positional, 0, count);
  r.positional = std::size_t(positional);
  py_ref names = py_ref::steal(PyTuple_New(count - positional));  // the keywords
  for (Py_ssize_t i = 0; ok && names && i < count; ++i) {
    PyObject *name, *kind, *detail;  // borrowed
    std::string source;
    argument a;
    ok = PyArg_ParseTuple(PyTuple_GET_ITEM(arguments, i), "UUU", &name, &kind, &detail) && text_of(kind, source) &&
         text_of(source == "path" ? detail : name, a.name);
    a.from = source == "path" ? argument::source::path : source == "pool" ? argument::source::pool
                                                                        : argument::source::request;
    r.arguments.push_back(std::move(a));
    if (!ok || i < positional) continue;
    // Interned, so each call's keyword matching compares pointers.
    Py_INCREF(name);
    PyUnicode_InternInPlace(&name);
    PyTuple_SET_ITEM(names.get(), i - positional, name);  // steals the reference
  }
  py_ref name_str = py_ref::steal(PyUnicode_FromStringAndSize(r.name.data(), Py_ssize_t(r.name.size())));
  if (!ok || !names || !name_str) throw startup_error("cannot plan " + r.name + ":\n" + take_exception_text());
  any_cleanup_ = any_cleanup_ || r.cleanup;
  routes_.push_back(std::move(r));
  handlers_.push_back(py_ref::borrow(handler));
  names_.push_back(std::move(name_str));
  keywords_.push_back(positional == count ? py_ref{} : std::move(names));
}

}  // namespace snasio::python
