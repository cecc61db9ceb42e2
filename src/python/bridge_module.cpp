// `_snasio`: the built-in module through which Python code talks to the
// server. snasio's Python package (py/snasio) wraps it; users never import it.
#include "python/bridge_module.hpp"

#include <string>
#include <vector>

#include "http/url.hpp"
#include "python/gil_thread.hpp"
#include "python/py_ref.hpp"

namespace snasio::python {

namespace {

struct module_state {
  gil_thread* owner = nullptr;
};

gil_thread* owner_of(PyObject* module) {
  auto* state = static_cast<module_state*>(PyModule_GetState(module));
  if (!state || !state->owner) PyErr_SetString(PyExc_RuntimeError, "snasio is not serving");
  return state ? state->owner : nullptr;
}

bool to_string(PyObject* s, std::string& out) {
  Py_ssize_t n = 0;
  const char* c = PyUnicode_AsUTF8AndSize(s, &n);
  if (!c) return false;
  out.assign(c, std::size_t(n));
  return true;
}

// add_route(path, methods, func, is_async, use_pool, blocking)
PyObject* add_route(PyObject* module, PyObject* args) {
  PyObject *path, *methods, *func;
  int is_async, use_pool, blocking;
  if (!PyArg_ParseTuple(args, "UOOppp:add_route", &path, &methods, &func, &is_async, &use_pool, &blocking))
    return nullptr;
  gil_thread* owner = owner_of(module);
  if (!owner) return nullptr;
  route_request r;
  if (!to_string(path, r.pattern)) return nullptr;
  py_ref seq = py_ref::steal(PySequence_Fast(methods, "methods must be a list of str"));
  if (!seq) return nullptr;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); ++i) {
    PyObject* m = PySequence_Fast_GET_ITEM(seq.get(), i);  // borrowed
    std::string method;
    if (!PyUnicode_Check(m) || !to_string(m, method))
      return PyErr_Format(PyExc_TypeError, "route %R: methods must be a list of str", path);
    r.methods.push_back(std::move(method));
  }
  r.func = py_ref::borrow(func);
  r.is_async = is_async;
  r.use_pool = use_pool;
  r.blocking = blocking;
  if (!owner->add_route(std::move(r))) return nullptr;
  Py_RETURN_NONE;
}

// parse_query(raw) -> [(key, value), ...], decoded as the router decodes.
PyObject* parse_query(PyObject*, PyObject* raw) {
  std::string text;
  if (!PyUnicode_Check(raw)) return PyErr_Format(PyExc_TypeError, "parse_query takes str");
  if (!to_string(raw, text)) return nullptr;
  auto pairs = http::parse_query(text);
  py_ref list = py_ref::steal(PyList_New(Py_ssize_t(pairs.size())));
  if (!list) return nullptr;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto& [k, v] = pairs[i];
    PyObject* pair = Py_BuildValue("(NN)", PyUnicode_DecodeUTF8(k.data(), Py_ssize_t(k.size()), "replace"),
                                   PyUnicode_DecodeUTF8(v.data(), Py_ssize_t(v.size()), "replace"));
    if (!pair) return nullptr;
    PyList_SET_ITEM(list.get(), Py_ssize_t(i), pair);  // steals `pair`
  }
  return list.release();
}

// _drain() -> bool: runs every waiting job; True once the queue has closed.
PyObject* drain(PyObject* module, PyObject*) {
  gil_thread* owner = owner_of(module);
  if (!owner) return nullptr;
  return PyBool_FromLong(owner->drain());
}

// _complete(token, result_or_none, exc_or_none): an async or offloaded handler finished.
PyObject* complete(PyObject* module, PyObject* args) {
  unsigned long long token;
  PyObject *result, *error;
  if (!PyArg_ParseTuple(args, "KOO:_complete", &token, &result, &error)) return nullptr;
  gil_thread* owner = owner_of(module);
  if (!owner) return nullptr;
  owner->complete(token, result, error);
  Py_RETURN_NONE;
}

// _flush(): sends the replies finished since the last hand-off to the reactor.
PyObject* flush(PyObject* module, PyObject*) {
  gil_thread* owner = owner_of(module);
  if (!owner) return nullptr;
  owner->flush();
  Py_RETURN_NONE;
}

PyMethodDef methods[] = {
    {"add_route", add_route, METH_VARARGS, "Registers a handler (used by snasio.route)."},
    {"parse_query", parse_query, METH_O, "Splits and decodes a query string into (key, value) pairs."},
    {"_drain", drain, METH_NOARGS, "Runs the jobs waiting in the queue (the event loop calls it)."},
    {"_complete", complete, METH_VARARGS, "Delivers the outcome of a handler that finished later."},
    {"_flush", flush, METH_NOARGS, "Hands the finished replies to the reactor."},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "_snasio", "The server side of snasio (internal).", sizeof(module_state), methods,
    nullptr, nullptr, nullptr, nullptr,
};

PyObject* init_module() {
  PyObject* m = PyModule_Create(&definition);
  if (m) *static_cast<module_state*>(PyModule_GetState(m)) = module_state{};
  return m;
}

}  // namespace

void register_bridge_module() {
  // The inittab is process-wide and may be extended only once per name.
  static bool registered = false;
  if (!registered) PyImport_AppendInittab("_snasio", &init_module);
  registered = true;
}

bool attach_bridge_module(PyObject* module, gil_thread* owner) {
  auto* state = static_cast<module_state*>(PyModule_GetState(module));
  if (!state) return false;
  state->owner = owner;
  return true;
}

}  // namespace snasio::python
