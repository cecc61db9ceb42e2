// `_snasio`: the built-in module through which Python calls C++. Every C++
// function Python calls is here. snasio's Python package (py/snasio) wraps
// it; users never import it.
#include "python/bridge_module.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "http/url.hpp"
#include "log/log.hpp"
#include "python/contract.hpp"
#include "python/errors.hpp"
#include "python/job_runner.hpp"
#include "python/json_convert.hpp"
#include "python/py_text.hpp"
#include "python/response_builder.hpp"
#include "routing/router.hpp"

namespace snasio::python {

namespace {

struct module_state {
  job_runner* runner = nullptr;
  const py_objects* py = nullptr;
};

module_state* state_of(PyObject* module) {
  auto* state = static_cast<module_state*>(PyModule_GetState(module));
  if (!state || !state->runner) {
    PyErr_SetString(PyExc_RuntimeError, "snasio is not serving");
    return nullptr;
  }
  return state;
}

// check_route(path, methods): raises ValueError for a pattern or a method the
// router would refuse, so the traceback points at the decorator that wrote it.
PyObject* check_route(PyObject*, PyObject* args) {
  PyObject *path, *methods;
  if (!PyArg_ParseTuple(args, "UO:check_route", &path, &methods)) return nullptr;
  std::string pattern;
  if (!utf8(path, pattern)) return nullptr;
  py_ref seq = py_ref::steal(PySequence_Fast(methods, "methods must be a list of str"));
  if (!seq) return nullptr;
  std::vector<std::string> names;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); ++i) {
    PyObject* m = PySequence_Fast_GET_ITEM(seq.get(), i);  // borrowed
    std::string method;
    if (!PyUnicode_Check(m) || !utf8(m, method))
      return PyErr_Format(PyExc_TypeError, "route %R: methods must be a list of str", path);
    names.push_back(std::move(method));
  }
  try {
    routing::router::check(names, pattern);
  } catch (const routing::pattern_error& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
    return nullptr;
  }
  Py_RETURN_NONE;
}

// _log_exception(what, exception): an error the app layer caught itself (a
// handler's, when on_response hooks must see its 500; a clean-up's; a
// shutdown hook's), logged as the server logs any handler's: "error in <what>".
PyObject* log_exception(PyObject*, PyObject* args) {
  const char* what;
  PyObject* error;
  if (!PyArg_ParseTuple(args, "sO:_log_exception", &what, &error)) return nullptr;
  log::line(log::level::error, std::string("error in ") + what + ":\n" + exception_text(error));
  Py_RETURN_NONE;
}

// parse_query(raw) -> [(key, value), ...], decoded as the router decodes;
// raw is a query string (str) or a form-urlencoded body (bytes).
PyObject* parse_query(PyObject*, PyObject* raw) {
  std::string query;
  if (PyBytes_Check(raw))
    query.assign(PyBytes_AS_STRING(raw), std::size_t(PyBytes_GET_SIZE(raw)));
  else if (!PyUnicode_Check(raw))
    return PyErr_Format(PyExc_TypeError, "parse_query takes str or bytes");
  else if (!utf8(raw, query))
    return nullptr;
  auto pairs = http::parse_query(query);
  py_ref list = py_ref::steal(PyList_New(Py_ssize_t(pairs.size())));
  if (!list) return nullptr;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    py_ref key = text(pairs[i].first), value = text(pairs[i].second);
    PyObject* pair = key && value ? PyTuple_Pack(2, key.get(), value.get()) : nullptr;
    if (!pair) return nullptr;
    PyList_SET_ITEM(list.get(), Py_ssize_t(i), pair);  // steals `pair`
  }
  return list.release();
}

// parse_json(raw) -> the value of a JSON body, read as the server reads it:
// request.body of a typed route, whose first reading became the handler's values.
PyObject* parse_json(PyObject*, PyObject* raw) {
  if (!PyBytes_Check(raw)) return PyErr_Format(PyExc_TypeError, "parse_json takes bytes");
  std::string error;
  py_ref value = json_to_python({PyBytes_AS_STRING(raw), std::size_t(PyBytes_GET_SIZE(raw))}, error, most_json_depth + 1);
  if (!value && !PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, error.c_str());
  return value.release();
}

// _run_batch() -> bool: runs every waiting job; True once the queue has closed.
PyObject* run_batch(PyObject* module, PyObject*) {
  module_state* state = state_of(module);
  if (!state) return nullptr;
  return PyBool_FromLong(state->runner->run_batch());
}

// _handler_done(job_id, result, error): a task or dispatch-thread handler is done.
PyObject* handler_done(PyObject* module, PyObject* args) {
  unsigned long long job_id;
  PyObject *result, *error;
  if (!PyArg_ParseTuple(args, "KOO:_handler_done", &job_id, &result, &error)) return nullptr;
  module_state* state = state_of(module);
  if (!state) return nullptr;
  state->runner->handler_done(job_id, result, error);
  Py_RETURN_NONE;
}

// _flush(): hands the replies finished since the last hand-off to the reactor.
PyObject* flush(PyObject* module, PyObject*) {
  module_state* state = state_of(module);
  if (!state) return nullptr;
  state->runner->flush();
  Py_RETURN_NONE;
}

// _resume_parked(): the next step of the handlers parked at a bare yield.
PyObject* resume_parked(PyObject* module, PyObject*) {
  module_state* state = state_of(module);
  if (!state) return nullptr;
  state->runner->resume_parked();
  Py_RETURN_NONE;
}

// _stream_send(job_id, data, end): the next piece of a streamed answer
// (bytes, or str sent as UTF-8) and how the stream goes on (a
// snasio._contract.PieceEnd: MORE, LAST when the body is complete, CUT when
// it failed and the client must see it end early).
PyObject* stream_send(PyObject* module, PyObject* args) {
  unsigned long long job_id;
  PyObject *data, *how;
  if (!PyArg_ParseTuple(args, "KOO:_stream_send", &job_id, &data, &how)) return nullptr;
  module_state* state = state_of(module);
  net::piece_end end;
  if (!state || !to_piece_end(how, end)) return nullptr;
  std::string bytes;
  if (PyBytes_Check(data)) bytes.assign(PyBytes_AS_STRING(data), std::size_t(PyBytes_GET_SIZE(data)));
  else if (!PyUnicode_Check(data) || !utf8(data, bytes))
    return PyErr_Occurred() ? nullptr : PyErr_Format(PyExc_TypeError, "a stream yields bytes or str, not %.80s",
                                                     Py_TYPE(data)->tp_name);
  state->runner->stream_send(job_id, std::move(bytes), end);
  Py_RETURN_NONE;
}

// _read_file_piece(job_id, fd, offset, n, last): reads n bytes of a
// FileResponse's file at offset, with the GIL released (on a blocking
// thread), and queues them as the stream's next piece; the bytes never
// become a Python object. The caller schedules the flush.
PyObject* read_file_piece(PyObject* module, PyObject* args) {
  unsigned long long job_id, offset, n;
  int fd, last;
  if (!PyArg_ParseTuple(args, "KiKKp:_read_file_piece", &job_id, &fd, &offset, &n, &last)) return nullptr;
  module_state* state = state_of(module);
  if (!state) return nullptr;
  std::string bytes(n, '\0');
  std::size_t got = 0;
  int error = 0;
  Py_BEGIN_ALLOW_THREADS
  while (got < n) {
    ssize_t r = ::pread(fd, bytes.data() + got, n - got, off_t(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      error = r < 0 ? errno : 0;
      break;
    }
    got += std::size_t(r);
  }
  Py_END_ALLOW_THREADS
  if (got < n) {
    errno = error;
    return error ? PyErr_SetFromErrno(PyExc_OSError)
                 : PyErr_Format(PyExc_EOFError, "the file became shorter while it was being sent");
  }
  state->runner->stream_send(job_id, std::move(bytes), last ? net::piece_end::last : net::piece_end::more, false);
  Py_RETURN_NONE;
}

// as_response(answer) -> Response: any answer of a handler or hook (a
// return value, an HTTPError) as the Response the server would send, for
// on_response hooks.
PyObject* as_response_method(PyObject* module, PyObject* answer) {
  module_state* state = state_of(module);
  return state ? as_response(answer, *state->py).release() : nullptr;
}

PyMethodDef methods[] = {
    {"check_route", check_route, METH_VARARGS, "Raises ValueError for a route the router would refuse."},
    {"_log_exception", log_exception, METH_VARARGS, "Logs a handler's exception as the server does."},
    {"parse_query", parse_query, METH_O, "Splits and decodes a query string or form body into (key, value) pairs."},
    {"parse_json", parse_json, METH_O, "Parses a JSON body (bytes) as the server does."},
    {"_run_batch", run_batch, METH_NOARGS, "Runs the jobs waiting in the queue (the event loop calls it)."},
    {"_handler_done", handler_done, METH_VARARGS, "Delivers the outcome of a handler that finished later."},
    {"_flush", flush, METH_NOARGS, "Hands the finished replies to the reactor."},
    {"_resume_parked", resume_parked, METH_NOARGS, "Steps the async handlers parked at a bare yield."},
    {"_stream_send", stream_send, METH_VARARGS, "Sends the next piece of a streamed answer."},
    {"_read_file_piece", read_file_piece, METH_VARARGS, "Reads and sends the next piece of a file."},
    {"as_response", as_response_method, METH_O, "Any answer of a handler or hook, as a Response."},
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

void attach_bridge_module(job_runner& runner, const py_objects& py) {
  py_ref module = py_ref::steal(PyImport_ImportModule("_snasio"));
  auto* state = module ? static_cast<module_state*>(PyModule_GetState(module.get())) : nullptr;
  if (!state) throw startup_error("cannot load snasio's built-in module:\n" + take_exception_text());
  *state = module_state{&runner, &py};
}

}  // namespace snasio::python
