#include "python/handler_call.hpp"

#include "python/errors.hpp"

#include <vector>

namespace snasio::python {

namespace {

// Room for a handler's arguments without touching the heap, for all but
// handlers with more than a few parameters.
class argument_list {
 public:
  explicit argument_list(std::size_t n) {
    if (n > few) more_.resize(n);
  }
  PyObject** data() { return more_.empty() ? few_ : more_.data(); }

 private:
  static constexpr std::size_t few = 8;
  PyObject* few_[few] = {};
  std::vector<PyObject*> more_;
};

}  // namespace

py_ref handler_call::call(const job& j, PyObject* request, PyObject* pool) const {
  const python_route& route = endpoints_.route(j.route);
  if (route.call == call_kind::invoke) {
    py_ref route_id = py_ref::steal(PyLong_FromSize_t(j.route));
    py_ref job_id = job_id_object(j.id);
    if (!route_id || !job_id) return {};
    PyObject* args[] = {route_id.get(), job_id.get(), request, pool ? pool : Py_None};
    return py_ref::steal(PyObject_Vectorcall(py_.invoke.get(), args, 4, nullptr));
  }
  argument_list argv(route.arguments.size());
  if (!arguments(j, request, pool, argv.data())) return {};
  return py_ref::steal(
      PyObject_Vectorcall(endpoints_.handler(j.route), argv.data(), route.positional, endpoints_.keywords(j.route)));
}

// The values of a direct call's parameters, in order, into `out` (borrowed:
// the request and the pool keep them alive through the call).
bool handler_call::arguments(const job& j, PyObject* request, PyObject* pool, PyObject** out) const {
  const python_route& route = endpoints_.route(j.route);
  PyObject* params = nullptr;  // the Request's path_params dict (borrowed)
  for (const argument& a : route.arguments) {
    switch (a.from) {
      case argument_source::request: *out++ = request; break;
      case argument_source::pool: *out++ = pool; break;
      case argument_source::path: {
        if (!params) params = request_layout::field(request, py_.request.path_params);
        PyObject* value = PyDict_GetItemString(params, a.name.c_str());  // borrowed
        if (!value) {
          PyErr_Format(PyExc_KeyError, "no path parameter %s", a.name.c_str());
          return false;
        }
        *out++ = value;
        break;
      }
      case argument_source::value: {
        // A typed parameter, checked and converted: request._values[index]
        // (its member, for a body shared by several parameters).
        PyObject* values = request_layout::field(request, py_.request.values);
        PyObject* value = PyTuple_GET_ITEM(values, Py_ssize_t(a.index));  // borrowed
        if (!a.member.empty()) value = PyDict_GetItemString(value, a.member.c_str());
        if (!value) {
          PyErr_Format(PyExc_KeyError, "no value for parameter %s", a.name.c_str());
          return false;
        }
        *out++ = value;
        break;
      }
    }
  }
  return true;
}

handler_call::started handler_call::start(const job& j, PyObject* request, PyObject* pool, PyObject* eager_loop) {
  py_ref id = job_id_object(j.id);
  py_ref coroutine = id ? call(j, request, pool) : py_ref{};
  if (!coroutine) return {};
  PyObject* name = endpoints_.name(j.route);
  if (waited_.size() <= j.route) waited_.resize(j.route + 1);
  if (!eager_loop || waited_[j.route] > 0) {
    if (waited_[j.route] > 0) --waited_[j.route];
    PyObject* args[] = {coroutine.get(), id.get(), name};
    started s;
    s.task = py_ref::steal(PyObject_Vectorcall(py_.start_task.get(), args, 3, nullptr));
    return s;
  }
  // Its first step, in a context of its own as a Task's would be.
  parked p{j.id, j.route, {}, py_ref::steal(PyContext_CopyCurrent()), std::move(coroutine), std::move(id)};
  return p.context && (p.stand_in = stand_in(p, name)) ? step(p, eager_loop) : started{};
}

// A new HandlerTask, filled in place as HandlerTask(name, context, coro,
// job_id) would be (its __init__ would cost more than the handler's step).
py_ref handler_call::stand_in(const parked& p, PyObject* name) const {
  auto* type = reinterpret_cast<PyTypeObject*>(py_.handler_task.get());
  py_ref task = py_ref::steal(type->tp_alloc(type, 0));
  if (!task) return {};
  const auto& f = py_.handler_task_fields;
  for (auto [offset, value] : {std::pair{f.name, name}, {f.context, p.context.get()}, {f.coro, p.coroutine.get()},
                               {f.job_id, p.job_id_object.get()}, {f.task, Py_None}, {f.cancels, Py_None}})
    request_layout::field(task.get(), offset) = py_ref::borrow(value).release();
  return task;
}

handler_call::started handler_call::resume(parked& p, PyObject* loop) {
  PyObject* task = request_layout::field(p.stand_in.get(), py_.handler_task_fields.task);
  if (task && task != Py_None) {  // cancelled while parked: a Task has it now
    started s;
    s.task = std::move(p.stand_in);
    return s;
  }
  // A cancel asked for meanwhile (a timeout, a TaskGroup) arrives at its wait.
  PyObject* cancels = request_layout::field(p.stand_in.get(), py_.handler_task_fields.cancels);
  if (cancels && PyList_Check(cancels) && PyList_GET_SIZE(cancels) > 0) return carry_on(p, Py_None);
  return step(p, loop);
}

namespace {
// `task` is the current task of `loop` for one step, written where
// asyncio.current_task() reads it (`tasks`), and with the checks
// asyncio.tasks._enter_task and _leave_task make: no other task is current
// when it enters, and it still is when it leaves.
bool enter_task(PyObject* tasks, PyObject* loop, PyObject* task) {
  if (PyObject* other = PyDict_GetItemWithError(tasks, loop)) {
    PyErr_Format(PyExc_RuntimeError, "cannot step %R: task %R is running on its loop", task, other);
    return false;
  }
  return !PyErr_Occurred() && PyDict_SetItem(tasks, loop, task) == 0;
}

bool leave_task(PyObject* tasks, PyObject* loop, PyObject* task) {
  PyObject* current = PyDict_GetItemWithError(tasks, loop);
  if (current == task) return PyDict_DelItem(tasks, loop) == 0;
  if (!PyErr_Occurred())
    PyErr_Format(PyExc_RuntimeError, "%R ended its step while %R was its loop's current task", task,
                 current ? current : Py_None);
  return false;
}
}  // namespace

// One step of a handler, with its HandlerTask as the current task: a value
// returned comes back without a StopIteration made for it.
handler_call::started handler_call::step(parked& p, PyObject* loop) {
  PyObject* tasks = py_.current_tasks.get();
  if (!enter_task(tasks, loop, p.stand_in.get())) return {};
  PyObject* out = nullptr;
  PySendResult sent = PYGEN_ERROR;
  if (PyContext_Enter(p.context.get()) == 0) {
    sent = PyIter_Send(p.coroutine.get(), Py_None, &out);
    PyContext_Exit(p.context.get());  // (leaves what the handler raised set)
  }
  py_ref outcome = sent == PYGEN_ERROR ? fetch_exception() : py_ref::steal(out);
  if (!leave_task(tasks, loop, p.stand_in.get())) return {};
  started s;
  if (sent != PYGEN_NEXT) {
    s.done = true;
    (sent == PYGEN_RETURN ? s.result : s.error) = std::move(outcome);
  } else if (outcome.get() == Py_None) {
    s.task = py_ref::borrow(p.stand_in.get());
    s.then_parked = std::move(p);
  } else {
    waited_[p.route] = tasks_after_a_wait;
    return carry_on(p, outcome.get());
  }
  return s;
}

// A Task carries the handler on from what it waits on.
handler_call::started handler_call::carry_on(parked& p, PyObject* waits_on) {
  PyObject* args[] = {p.stand_in.get(), p.coroutine.get(), waits_on, p.job_id_object.get()};
  started s;
  s.task = py_ref::steal(PyObject_Vectorcall(py_.carry_on.get(), args, 4, nullptr));
  return s;
}

}  // namespace snasio::python
