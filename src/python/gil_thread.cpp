#include "python/gil_thread.hpp"

#include <Python.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "python/bridge_module.hpp"
#include "python/interpreter.hpp"
#include "python/request_builder.hpp"
#include "python/response_builder.hpp"

namespace snasio::python {

namespace {

void log_line(const std::string& text) {
  // One fputs per message, so lines from different threads do not interleave.
  std::string line = "snasio: " + text + "\n";
  std::fputs(line.c_str(), stderr);
}

py_ref import(const char* name) { return py_ref::steal(PyImport_ImportModule(name)); }

py_ref attr(const py_ref& object, const char* name) {
  return object ? py_ref::steal(PyObject_GetAttrString(object.get(), name)) : py_ref{};
}

std::vector<std::string> modules_to_import(const python_config& config) {
  if (!config.modules.empty()) return config.modules;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(config.app_dir))
    if (entry.is_regular_file() && entry.path().extension() == ".py") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

gil_thread::gil_thread(python_config config, job_queue& jobs, reply_queue& replies)
    : config_(std::move(config)), jobs_(jobs), replies_(replies) {}

gil_thread::~gil_thread() { join(); }

std::vector<python_route> gil_thread::start() {
  std::promise<std::vector<python_route>> started;
  auto routes = started.get_future();
  thread_ = std::thread([this, &started] { run(started); });
  try {
    return routes.get();
  } catch (...) {
    join();
    throw;
  }
}

void gil_thread::join() {
  if (thread_.joinable()) thread_.join();
}

void gil_thread::run(std::promise<std::vector<python_route>>& started) {
  std::optional<interpreter> interp;
  try {
    interp.emplace(config_);
    load_objects();
    import_app();
  } catch (...) {
    py_ = {};
    endpoints_.clear();
    started.set_exception(std::current_exception());
    return;  // `interp` finalizes on the way out, on this thread
  }
  started.set_value(routes_);
  serve();
  // Every reference goes before the interpreter does.
  shut_down();
}

void gil_thread::load_objects() {
  py_ref snasio = import("snasio");
  py_ref bridge = import("_snasio");
  py_ref request_module = import("snasio.request");
  py_ref uuid = import("uuid");
  py_.loop_module = import("snasio._loop");
  py_.request_class = attr(snasio, "Request");
  py_.response_class = attr(snasio, "Response");
  py_.http_error = attr(snasio, "HTTPError");
  py_.unset = attr(request_module, "_UNSET");
  py_.uuid_class = attr(uuid, "UUID");
  py_.cancelled_error = attr(import("asyncio"), "CancelledError");
  if (!bridge || !py_.loop_module || !py_.request_class || !py_.response_class || !py_.http_error || !py_.unset ||
      !py_.uuid_class || !py_.cancelled_error)
    throw startup_error("cannot load snasio's Python package from '" + config_.package_dir + "':\n" +
                        take_exception_text());
  attach_bridge_module(bridge.get(), this);
}

void gil_thread::import_app() {
  if (config_.app_dir.empty() && config_.modules.empty()) return;
  if (!config_.app_dir.empty() && !std::filesystem::is_directory(config_.app_dir))
    throw startup_error("app directory '" + config_.app_dir + "' does not exist");
  for (const auto& name : modules_to_import(config_)) {
    // Importing runs the module's @route decorators, which call add_route().
    if (!import(name.c_str()))
      throw startup_error("cannot import module '" + name + "':\n" + take_exception_text());
  }
}

bool gil_thread::add_route(route_request r) {
  std::size_t id = endpoints_.size();
  try {
    validator_.add(r.methods, r.pattern, id);
  } catch (const routing::pattern_error& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
    return false;
  }
  py_ref module = py_ref::steal(PyObject_GetAttrString(r.func.get(), "__module__"));
  py_ref qualname = py_ref::steal(PyObject_GetAttrString(r.func.get(), "__qualname__"));
  PyErr_Clear();
  python_route route{r.methods, r.pattern, "", r.is_async, r.use_pool, r.blocking};
  if (module && PyUnicode_Check(module.get())) route.name = std::string(PyUnicode_AsUTF8(module.get())) + ".";
  if (qualname && PyUnicode_Check(qualname.get())) route.name += PyUnicode_AsUTF8(qualname.get());
  routes_.push_back(std::move(route));
  endpoints_.push_back(std::move(r));
  return true;
}

void gil_thread::serve() {
  py_ref run = attr(py_.loop_module, "run");
  py_ref drain = attr(import("_snasio"), "_drain");
  py_ref done = run && drain ? py_ref::steal(PyObject_CallFunction(run.get(), "iOnn", jobs_.wake_fd(), drain.get(),
                                                                    Py_ssize_t(config_.pool_workers),
                                                                    Py_ssize_t(config_.dispatch_workers)))
                             : py_ref{};
  if (!done) log_line("the event loop failed:\n" + take_exception_text());
}

void gil_thread::shut_down() {
  // Jobs that arrived after the loop stopped are for connections that are
  // gone or closing; they get a 503 rather than silence.
  batch_.clear();
  jobs_.take_all(batch_, cancels_);
  for (auto& j : batch_) j.reply.send(http::response::error(503, "server is shutting down"));
  batch_.clear();
  for (auto& [token, p] : parked_) p.reply.send(http::response::error(503, "server is shutting down"));
  parked_.clear();
  flush();
  endpoints_.clear();
  py_ = {};
}

bool gil_thread::drain() {
  batch_.clear();
  cancels_.clear();
  jobs_.take_all(batch_, cancels_);
  for (auto& j : batch_) handle(j, out_);
  batch_.clear();
  // Clients that left: cancel their handlers still running on the loop.
  for (std::uint64_t id : cancels_) {
    if (parked_.count(id) && !py_ref::steal(PyObject_CallMethod(py_.loop_module.get(), "cancel", "K", (unsigned long long)id)))
      log_line("cannot cancel a handler:\n" + take_exception_text());
  }
  // Every reply of the batch goes back to the reactor in one hand-off.
  flush();
  return jobs_.closed();
}

void gil_thread::handle(job& j, std::vector<reply_queue::reply>& out) {
  jobs_.started();
  // A client that left while its job waited needs no answer, and no handler.
  if (j.reply.abandoned()) return void(j.reply.take({}));
  const route_request& ep = endpoints_[j.endpoint];
  http::response refusal;
  py_ref request = build_request(j, py_, config_.max_json_depth, refusal);
  if (!request) {
    if (PyErr_Occurred()) refusal = response_for_exception(j.endpoint, j.method, j.path);
    return out.push_back(j.reply.take(std::move(refusal)));
  }
  // Sync handlers that block, and sync pool handlers (which wait on a worker),
  // leave the loop free by running on the dispatch threads.
  if (ep.blocking || (ep.use_pool && !ep.is_async)) return void(offload(j, std::move(request), {}));
  py_ref pool;
  if (ep.use_pool && !(pool = py_ref::steal(PyObject_CallMethod(py_.loop_module.get(), "pool", nullptr))))
    return out.push_back(j.reply.take(response_for_exception(j.endpoint, j.method, j.path)));
  PyObject* args[] = {request.get(), pool.get()};
  py_ref result = py_ref::steal(PyObject_Vectorcall(ep.func.get(), args, pool ? 2 : 1, nullptr));
  if (ep.is_async && result) return void(offload(j, std::move(request), std::move(result)));
  out.push_back(j.reply.take(finish(j.endpoint, j.method, j.path, result.get())));
}

bool gil_thread::offload(job& j, py_ref request, py_ref coroutine) {
  const route_request& ep = endpoints_[j.endpoint];
  const std::uint64_t token = j.id;
  py_ref started;
  if (coroutine) {
    started = py_ref::steal(PyObject_CallMethod(py_.loop_module.get(), "start_task", "OK", coroutine.get(),
                                                (unsigned long long)token));
  } else {
    py_ref pool = ep.use_pool ? py_ref::steal(PyObject_CallMethod(py_.loop_module.get(), "pool", nullptr)) : py_ref{};
    py_ref args = ep.use_pool ? py_ref::steal(PyTuple_Pack(2, request.get(), pool.get()))
                              : py_ref::steal(PyTuple_Pack(1, request.get()));
    if (args && (!ep.use_pool || pool))
      started = py_ref::steal(PyObject_CallMethod(py_.loop_module.get(), "start_blocking", "OOK", ep.func.get(),
                                                  args.get(), (unsigned long long)token));
  }
  if (!started) {
    j.reply.send(response_for_exception(j.endpoint, j.method, j.path));
    return false;
  }
  parked_.emplace(token, parked{j.endpoint, std::move(j.method), std::move(j.path), std::move(j.reply)});
  return true;
}

void gil_thread::complete(std::uint64_t token, PyObject* result, PyObject* error) {
  auto it = parked_.find(token);
  if (it == parked_.end()) return;
  parked p = std::move(it->second);
  parked_.erase(it);
  // Nobody is waiting for the outcome: cancelled or not, there is nothing to report.
  if (p.reply.abandoned()) return void(p.reply.take({}));
  // A handler cancelled by the server itself (shutting down) is not a bug to log.
  if (PyErr_GivenExceptionMatches(error, py_.cancelled_error.get()))
    return out_.push_back(p.reply.take(http::response::error(503, "request cancelled"))), schedule_flush();
  if (error != Py_None) {
    // Re-raise the handler's exception so the one place below reports it.
    PyErr_Restore(py_ref::borrow(reinterpret_cast<PyObject*>(Py_TYPE(error))).release(), py_ref::borrow(error).release(),
                  PyException_GetTraceback(error));
    result = nullptr;
  }
  out_.push_back(p.reply.take(finish(p.endpoint, p.method, p.path, result)));
  schedule_flush();
}

void gil_thread::schedule_flush() {
  // Handlers finishing in one loop iteration share one wake-up of the reactor.
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    if (!py_ref::steal(PyObject_CallMethod(py_.loop_module.get(), "schedule_flush", nullptr))) {
      PyErr_Clear();
      flush();
    }
  }
}

void gil_thread::flush() {
  flush_scheduled_ = false;
  replies_.push(out_);
}

http::response gil_thread::finish(std::size_t endpoint, const std::string& method, const std::string& path,
                                  PyObject* result) {
  if (!result) return response_for_exception(endpoint, method, path);
  http::response r;
  std::string why;
  if (to_response(result, py_, config_.max_json_depth, r, why)) return r;
  log_line(method + " " + path + " (" + routes_[endpoint].name + "): bad return value: " + why);
  return http::response::error(500, "internal server error");
}

// The one place a Python exception becomes a response: HTTPError is the
// handler's own answer; anything else is a 500 whose traceback goes to the log
// and never to the client.
http::response gil_thread::response_for_exception(std::size_t endpoint, const std::string& method,
                                                   const std::string& path) {
  if (PyErr_ExceptionMatches(py_.http_error.get())) {
    PyObject *type, *value, *trace;
    PyErr_Fetch(&type, &value, &trace);
    PyErr_NormalizeException(&type, &value, &trace);
    py_ref t = py_ref::steal(type), v = py_ref::steal(value), tb = py_ref::steal(trace);
    py_ref status = attr(v, "status"), detail = attr(v, "detail"), headers = attr(v, "headers");
    PyErr_Clear();
    http::response r;
    std::string why, body = "{\"error\":";
    long s = status && PyLong_Check(status.get()) ? PyLong_AsLong(status.get()) : 0;
    bool ok = s >= 400 && s <= 599 && detail && python_to_json(detail.get(), body, why, config_.max_json_depth) &&
              (!headers || headers.get() == Py_None || convert_headers(headers.get(), r.headers, why));
    PyErr_Clear();
    if (ok) {
      r.status = int(s);
      r.content_type = "application/json";
      r.body = body + "}";
      return r;
    }
    log_line(method + " " + path + " (" + routes_[endpoint].name + "): unusable HTTPError (status " +
             std::to_string(s) + "): " + why);
    return http::response::error(500, "internal server error");
  }
  log_line("error in " + method + " " + path + " (" + routes_[endpoint].name + "):\n" + take_exception_text());
  return http::response::error(500, "internal server error");
}

}  // namespace snasio::python
