#include "python/endpoint_table.hpp"

#include <algorithm>
#include <filesystem>

#include "python/errors.hpp"
#include "python/py_text.hpp"

namespace snasio::python {

namespace {

std::vector<std::string> modules_to_import(const python_config& config) {
  // --app module:attribute: planning imports that module, after --module's.
  if (!config.app.empty() || !config.modules.empty()) return config.modules;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(config.app_dir))
    if (entry.is_regular_file() && entry.path().extension() == ".py") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string listed(const std::vector<std::string>& names, std::string_view suffix = "") {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n + std::string(suffix);
  return out;
}

}  // namespace

std::string why_no_routes(const python_config& config) {
  if (!config.app.empty()) return "--app " + config.app + " registered no route";
  auto modules = modules_to_import(config);
  if (!modules.empty())
    return "no module registered a route with @route (imported: " + listed(modules) +
           "); a module inside a package is imported only when its package imports it, or when --module names it";
  std::vector<std::string> packages;
  for (const auto& entry : std::filesystem::directory_iterator(config.app_dir))
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "__init__.py"))
      packages.push_back(entry.path().filename().string());
  std::sort(packages.begin(), packages.end());
  std::string why = "--app-dir " + config.app_dir + " has no .py file at its top level";
  if (packages.empty()) return why;
  return why + "; it has the package(s) " + listed(packages, "/") + ": name their modules with --module " +
         packages.front() + ".MODULE";
}

namespace {

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

// A field of a snasio._contract.PlannedRoute (or Argument), by name: a new
// reference; throws startup_error naming the field when it is missing.
py_ref field(PyObject* record, const char* name, const std::string& where) {
  py_ref value = py_ref::steal(PyObject_GetAttrString(record, name));
  if (!value) throw startup_error(where + ": the plan has no field '" + name + "':\n" + take_exception_text());
  return value;
}

std::string text_field(PyObject* record, const char* name, const std::string& where) {
  py_ref value = field(record, name, where);
  std::string out;
  if (!PyUnicode_Check(value.get()) || !utf8(value.get(), out))
    throw startup_error(where + ": the plan's field '" + name + "' is not a str");
  return out;
}

bool flag_field(PyObject* record, const char* name, const std::string& where) {
  int truth = PyObject_IsTrue(field(record, name, where).get());
  if (truth < 0) throw startup_error(where + ": the plan's field '" + name + "':\n" + take_exception_text());
  return truth == 1;
}

}  // namespace

void endpoint_table::import_app(const python_config& config, const py_objects& py) {
  if (config.app_dir.empty() && config.modules.empty() && config.app.empty()) return;
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
  py_ref reference = py_ref::steal(PyUnicode_FromStringAndSize(config.app.data(), Py_ssize_t(config.app.size())));
  py_ref planned = reference ? py_ref::steal(PyObject_CallOneArg(py.plan_app.get(), reference.get())) : py_ref{};
  if (!planned) {
    // A route that cannot be planned is the app's mistake, said in one line;
    // anything else is a failure with a traceback.
    py_ref error = fetch_exception();
    py_ref message = PyObject_IsInstance(error.get(), py.plan_error.get()) == 1 ? py_ref::steal(PyObject_Str(error.get()))
                                                                                : py_ref{};
    std::string text;
    if (message && utf8(message.get(), text)) throw startup_error("cannot plan the app: " + text);
    PyErr_Clear();
    throw startup_error(exception_text(error.get()));
  }
  PyObject *routes, *settings;  // borrowed
  if (!PyArg_ParseTuple(planned.get(), "O!O!", &PyList_Type, &routes, &PyDict_Type, &settings))
    throw startup_error("snasio._planning.plan_app returned something else:\n" + take_exception_text());
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(routes); ++i) add(PyList_GET_ITEM(routes, i), config.max_json_depth);
  if (!config.openapi_path.empty()) {
    py_ref document = py_ref::steal(PyObject_CallOneArg(py.openapi.get(), reference.get()));
    if (!document || !utf8(document.get(), openapi_))
      throw startup_error("cannot make the OpenAPI document:\n" + take_exception_text());
  }
  Py_ssize_t pos = 0;
  PyObject *key, *value;  // borrowed
  while (PyDict_Next(settings, &pos, &key, &value)) {
    app_setting s;
    if (!utf8(key, s.first) || !utf8(value, s.second)) throw startup_error(take_exception_text());
    settings_.push_back(std::move(s));
  }
}

// One snasio._contract.PlannedRoute, read field by field.
void endpoint_table::add(PyObject* planned, std::size_t max_json_depth) {
  py_ref handler = field(planned, "handler", "a planned route");
  python_route r;
  r.name = qualified_name(handler.get());
  const std::string where = "the route of " + r.name;
  r.pattern = text_field(planned, "pattern", where);
  py_ref methods = field(planned, "methods", where);
  py_ref method_list = py_ref::steal(PySequence_Fast(methods.get(), "methods must be a list"));
  for (Py_ssize_t i = 0; method_list && i < PySequence_Fast_GET_SIZE(method_list.get()); ++i) {
    std::string method;
    if (!utf8(PySequence_Fast_GET_ITEM(method_list.get(), i), method))
      throw startup_error(where + ": a method is not a str");
    r.methods.push_back(std::move(method));
  }
  if (!method_list) throw startup_error(where + ": " + take_exception_text());
  r.mode = to_execution_mode(field(planned, "mode", where).get(), where);
  r.call = to_call_kind(field(planned, "call", where).get(), where);
  r.use_pool = flag_field(planned, "use_pool", where);
  r.cleanup_after_write = flag_field(planned, "cleanup_after_write", where);
  // Its own deadline and rate limit: (seconds, per_second, burst), zeros for the server's.
  py_ref around = field(planned, "around", where);
  double timeout = 0;
  if (!PyArg_ParseTuple(around.get(), "ddd", &timeout, &r.rate_per_second, &r.rate_burst))
    throw startup_error(where + ": the plan's 'around' is not (timeout, per_second, burst):\n" + take_exception_text());
  r.timeout = std::chrono::milliseconds(static_cast<long long>(timeout * 1000));
  py_ref arguments = field(planned, "arguments", where);
  py_ref positional = field(planned, "positional", where);
  if (!PyTuple_Check(arguments.get()) || !PyLong_Check(positional.get()))
    throw startup_error(where + ": the plan's arguments are not a tuple, or its positional count not an int");
  Py_ssize_t count = PyTuple_GET_SIZE(arguments.get());
  r.positional = std::size_t(std::clamp<Py_ssize_t>(PyLong_AsSsize_t(positional.get()), 0, count));
  // The names of the arguments that go by keyword, interned, so each call's
  // keyword matching compares pointers.
  py_ref keywords = py_ref::steal(PyTuple_New(count - Py_ssize_t(r.positional)));
  if (!keywords) throw startup_error(take_exception_text());
  for (Py_ssize_t i = 0; i < count; ++i) {
    PyObject* a = PyTuple_GET_ITEM(arguments.get(), i);  // borrowed
    argument arg;
    arg.from = to_argument_source(field(a, "source", where).get(), where);
    arg.name = text_field(a, arg.from == argument_source::path ? "placeholder" : "name", where);
    if (arg.from == argument_source::value) {
      arg.member = text_field(a, "placeholder", where);
      arg.index = std::size_t(PyLong_AsSize_t(field(a, "index", where).get()));
      if (PyErr_Occurred()) throw startup_error(where + ": an argument's index: " + take_exception_text());
    }
    r.arguments.push_back(std::move(arg));
    if (std::size_t(i) < r.positional) continue;
    PyObject* name = field(a, "name", where).release();
    PyUnicode_InternInPlace(&name);
    PyTuple_SET_ITEM(keywords.get(), i - Py_ssize_t(r.positional), name);  // steals the reference
  }
  // Typed parameters: the plan the reactor validates with, and per value
  // its default and converter.
  std::string plan = text_field(planned, "validation", where);
  if (!plan.empty()) {
    try {
      r.validator = std::make_shared<validation::route_validator>(plan, max_json_depth);
    } catch (const std::invalid_argument& e) {
      throw startup_error(where + ": " + e.what());
    }
  }
  py_ref values = field(planned, "values", where);
  if (!PyTuple_Check(values.get())) throw startup_error(where + ": the plan's values are not a tuple");
  value_plans plans;
  for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(values.get()); ++i) {
    PyObject* pair = PyTuple_GET_ITEM(values.get(), i);  // borrowed (default, converter)
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) throw startup_error(where + ": a value's plan is no pair");
    plans.emplace_back(py_ref::borrow(PyTuple_GET_ITEM(pair, 0)), value_plan::of(PyTuple_GET_ITEM(pair, 1), where));
  }
  values_.push_back(std::move(plans));
  py_ref name_str = py_ref::steal(PyUnicode_FromStringAndSize(r.name.data(), Py_ssize_t(r.name.size())));
  if (!name_str) throw startup_error(take_exception_text());
  any_cleanup_after_write_ = any_cleanup_after_write_ || r.cleanup_after_write;
  keywords_.push_back(r.positional == std::size_t(count) ? py_ref{} : std::move(keywords));
  routes_.push_back(std::move(r));
  handlers_.push_back(std::move(handler));
  names_.push_back(std::move(name_str));
}

}  // namespace snasio::python
