// _snasio_routing: the router as a Python extension, so that property tests can
// compare it with werkzeug and the benchmark can time it from Python.
#define PY_SSIZE_T_CLEAN  // sizes of "#" formats are Py_ssize_t
#include <Python.h>

#include <chrono>
#include <new>
#include <string>
#include <vector>

#include "http/url.hpp"
#include "routing/router.hpp"

namespace {

using snasio::routing::match_result;
using snasio::routing::path_param;

/// A Router instance: the C++ router plus the Python targets its ids stand for.
struct router_object {
  PyObject_HEAD
  snasio::routing::router* router;
  PyObject* targets;  ///< list; a rule's target id is an index into it (owned reference)
};

/// The bytes of a str (as UTF-8) or of a bytes object; false with an exception set otherwise.
bool text_argument(PyObject* object, std::string& out) {
  if (PyUnicode_Check(object)) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(object, &size);
    if (!data) return false;
    out.assign(data, static_cast<std::size_t>(size));
    return true;
  }
  char* data = nullptr;
  Py_ssize_t size = 0;
  if (PyBytes_AsStringAndSize(object, &data, &size) < 0) return false;
  out.assign(data, static_cast<std::size_t>(size));
  return true;
}

PyObject* router_new(PyTypeObject* type, PyObject*, PyObject*) {
  auto* self = reinterpret_cast<router_object*>(type->tp_alloc(type, 0));
  if (!self) return nullptr;
  self->router = new (std::nothrow) snasio::routing::router();
  self->targets = PyList_New(0);  // new reference
  if (!self->router || !self->targets) {
    Py_DECREF(self);
    return PyErr_NoMemory();
  }
  return reinterpret_cast<PyObject*>(self);
}

void router_dealloc(PyObject* object) {
  auto* self = reinterpret_cast<router_object*>(object);
  delete self->router;
  Py_XDECREF(self->targets);
  PyTypeObject* type = Py_TYPE(object);
  type->tp_free(object);
  Py_DECREF(type);  // instances of a heap type own a reference to it
}

// Router.add(methods, pattern, target): ValueError carries pattern_error's message.
PyObject* router_add(PyObject* object, PyObject* args) {
  auto* self = reinterpret_cast<router_object*>(object);
  PyObject* methods_list = nullptr;
  const char* pattern = nullptr;
  PyObject* target = nullptr;
  if (!PyArg_ParseTuple(args, "OsO", &methods_list, &pattern, &target)) return nullptr;
  PyObject* sequence = PySequence_Fast(methods_list, "methods must be a sequence");  // new reference
  if (!sequence) return nullptr;
  std::vector<std::string> methods;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(sequence); ++i) {
    const char* method = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(sequence, i));
    if (!method) return Py_DECREF(sequence), nullptr;
    methods.emplace_back(method);
  }
  Py_DECREF(sequence);
  try {
    self->router->add(std::move(methods), pattern, static_cast<std::size_t>(PyList_GET_SIZE(self->targets)));
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
    return nullptr;
  }
  if (PyList_Append(self->targets, target) < 0) return nullptr;
  Py_RETURN_NONE;
}

/// One converted value as Python sees it in werkzeug: int, float, uuid.UUID or str.
PyObject* param_value(const path_param& param) {  // new reference
  switch (param.type) {
    case path_param::kind::integer: return PyLong_FromString(param.text.c_str(), nullptr, 10);
    case path_param::kind::floating: return PyFloat_FromDouble(param.number);
    case path_param::kind::uuid: {
      PyObject* module = PyImport_ImportModule("uuid");  // new reference
      if (!module) return nullptr;
      PyObject* value = PyObject_CallMethod(module, "UUID", "s", param.text.c_str());
      Py_DECREF(module);
      return value;
    }
    default: return PyUnicode_DecodeUTF8(param.text.data(), static_cast<Py_ssize_t>(param.text.size()), "strict");
  }
}

PyObject* found_tuple(router_object* self, const match_result& result) {  // new reference
  PyObject* values = PyDict_New();
  if (!values) return nullptr;
  for (const auto& param : result.params) {
    PyObject* value = param_value(param);
    if (!value || PyDict_SetItemString(values, param.name.c_str(), value) < 0) {
      Py_XDECREF(value);
      Py_DECREF(values);
      return nullptr;
    }
    Py_DECREF(value);
  }
  PyObject* target = PyList_GET_ITEM(self->targets, static_cast<Py_ssize_t>(result.target));  // borrowed
  return Py_BuildValue("(sON)", "found", target, values);
}

// Router.match(method, path): path is str (encoded as UTF-8) or raw bytes.
PyObject* router_match(PyObject* object, PyObject* args) {
  auto* self = reinterpret_cast<router_object*>(object);
  const char* method = nullptr;
  PyObject* path_object = nullptr;
  std::string path;
  if (!PyArg_ParseTuple(args, "sO", &method, &path_object) || !text_argument(path_object, path)) return nullptr;
  auto result = self->router->match(method, path);
  switch (result.what) {
    case match_result::outcome::found: return found_tuple(self, result);
    case match_result::outcome::not_found: return Py_BuildValue("(s)", "not_found");
    case match_result::outcome::method_not_allowed: return Py_BuildValue("(ss)", "method_not_allowed", result.allow.c_str());
    case match_result::outcome::options: return Py_BuildValue("(ss)", "options", result.allow.c_str());
    case match_result::outcome::redirect: return Py_BuildValue("(s)", "redirect");
  }
  Py_RETURN_NONE;
}

// Router.routes(): [(methods, pattern, target)] in registration order.
PyObject* router_routes(PyObject* object, PyObject*) {
  auto* self = reinterpret_cast<router_object*>(object);
  PyObject* out = PyList_New(0);
  if (!out) return nullptr;
  for (const auto& route : self->router->routes()) {
    PyObject* methods = PyList_New(0);
    for (const auto& method : route.methods) {
      PyObject* name = PyUnicode_FromString(method.c_str());
      if (!name || PyList_Append(methods, name) < 0) return Py_XDECREF(name), Py_DECREF(methods), Py_DECREF(out), nullptr;
      Py_DECREF(name);
    }
    PyObject* target = PyList_GET_ITEM(self->targets, static_cast<Py_ssize_t>(route.target));  // borrowed
    PyObject* entry = Py_BuildValue("(NsO)", methods, route.pattern.c_str(), target);
    if (!entry || PyList_Append(out, entry) < 0) return Py_XDECREF(entry), Py_DECREF(out), nullptr;
    Py_DECREF(entry);
  }
  return out;
}

PyMethodDef router_methods[] = {
    {"add", router_add, METH_VARARGS, "add(methods, pattern, target): registers a rule"},
    {"match", router_match, METH_VARARGS, "match(method, path) -> ('found', target, values) | (outcome, ...)"},
    {"routes", router_routes, METH_NOARGS, "routes() -> [(methods, pattern, target)]"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot router_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(router_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(router_dealloc)},
    {Py_tp_methods, router_methods},
    {Py_tp_doc, const_cast<char*>("The snasio C++ router")},
    {0, nullptr},
};

PyType_Spec router_spec = {"_snasio_routing.Router", sizeof(router_object), 0, Py_TPFLAGS_DEFAULT, router_slots};

/// Per-module state: the Router type, so bench() can check its argument.
struct module_state {
  PyObject* router_type;  ///< owned reference
};

// bench(router, method, paths, iterations) -> ns per match, timed in C++ only
// (no Python calls inside the loop, the GIL released around it).
PyObject* bench(PyObject* module, PyObject* args) {
  auto* state = static_cast<module_state*>(PyModule_GetState(module));
  PyObject* router_arg = nullptr;
  const char* method = nullptr;
  PyObject* paths_arg = nullptr;
  unsigned long iterations = 0;
  if (!PyArg_ParseTuple(args, "O!sOk", reinterpret_cast<PyTypeObject*>(state->router_type), &router_arg, &method,
                        &paths_arg, &iterations))
    return nullptr;
  PyObject* sequence = PySequence_Fast(paths_arg, "paths must be a sequence");  // new reference
  if (!sequence) return nullptr;
  std::vector<std::string> paths(static_cast<std::size_t>(PySequence_Fast_GET_SIZE(sequence)));
  for (std::size_t i = 0; i < paths.size(); ++i)
    if (!text_argument(PySequence_Fast_GET_ITEM(sequence, static_cast<Py_ssize_t>(i)), paths[i]))
      return Py_DECREF(sequence), nullptr;
  Py_DECREF(sequence);
  if (paths.empty() || iterations == 0) return PyFloat_FromDouble(0.0);
  const auto& router = *reinterpret_cast<router_object*>(router_arg)->router;
  std::size_t outcomes = 0;  // consumed below, so the loop cannot be optimized away
  std::chrono::steady_clock::duration elapsed{};
  Py_BEGIN_ALLOW_THREADS
  auto start = std::chrono::steady_clock::now();
  for (unsigned long i = 0; i < iterations; ++i)
    for (const auto& path : paths) outcomes += static_cast<std::size_t>(router.match(method, path).what);
  elapsed = std::chrono::steady_clock::now() - start;
  Py_END_ALLOW_THREADS
  double matches = static_cast<double>(iterations) * static_cast<double>(paths.size());
  double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  return PyFloat_FromDouble(outcomes == static_cast<std::size_t>(-1) ? 0.0 : ns / matches);
}

// percent_decode_path(raw) -> bytes, or None for a malformed escape.
PyObject* percent_decode_path(PyObject*, PyObject* arg) {
  std::string raw;
  if (!text_argument(arg, raw)) return nullptr;
  auto decoded = snasio::http::percent_decode_path(raw);
  if (!decoded) Py_RETURN_NONE;
  return PyBytes_FromStringAndSize(decoded->data(), static_cast<Py_ssize_t>(decoded->size()));
}

// parse_query(raw) -> [(key bytes, value bytes)].
PyObject* parse_query(PyObject*, PyObject* arg) {
  std::string raw;
  if (!text_argument(arg, raw)) return nullptr;
  PyObject* out = PyList_New(0);
  if (!out) return nullptr;
  for (const auto& [key, value] : snasio::http::parse_query(raw)) {
    PyObject* pair = Py_BuildValue("(y#y#)", key.data(), static_cast<Py_ssize_t>(key.size()), value.data(),
                                   static_cast<Py_ssize_t>(value.size()));
    if (!pair || PyList_Append(out, pair) < 0) return Py_XDECREF(pair), Py_DECREF(out), nullptr;
    Py_DECREF(pair);
  }
  return out;
}

PyMethodDef module_methods[] = {
    {"bench", bench, METH_VARARGS, "bench(router, method, paths, iterations) -> ns per match"},
    {"percent_decode_path", percent_decode_path, METH_O, "percent_decode_path(raw) -> bytes | None"},
    {"parse_query", parse_query, METH_O, "parse_query(raw) -> [(key, value)] as bytes"},
    {nullptr, nullptr, 0, nullptr},
};

void module_free(void* module) {
  auto* state = static_cast<module_state*>(PyModule_GetState(static_cast<PyObject*>(module)));
  if (state) Py_CLEAR(state->router_type);
}

PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_snasio_routing", "The snasio router, for tests and benchmarks.", sizeof(module_state),
    module_methods,        nullptr,           nullptr,                                        nullptr,
    module_free,
};

}  // namespace

PyMODINIT_FUNC PyInit__snasio_routing() {
  PyObject* module = PyModule_Create(&module_def);  // new reference
  if (!module) return nullptr;
  auto* state = static_cast<module_state*>(PyModule_GetState(module));
  state->router_type = PyType_FromSpec(&router_spec);  // new reference, kept by the state
  if (!state->router_type || PyModule_AddObjectRef(module, "Router", state->router_type) < 0) {
    Py_DECREF(module);
    return nullptr;
  }
  return module;
}
