#include "python/job_runner.hpp"

#include <chrono>

#include "log/log.hpp"
#include "python/interpreter.hpp"
#include "python/request_builder.hpp"
#include "python/response_builder.hpp"

namespace snasio::python {

job_runner::job_runner(job_queue& jobs, reply_queue& replies, const endpoint_table& endpoints, py_objects& py)
    : jobs_(jobs), replies_(replies), endpoints_(endpoints), py_(py) {}

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

// Waking the GIL thread from epoll takes tens of microseconds here, and at
// one connection every request would pay it. So after a batch this small,
// with no handler left running on the loop (nothing for it to do meanwhile),
// the thread watches the queue for a moment before it goes back to sleep...
constexpr std::size_t low_load_batch = 2;
// ...this long at most, with the GIL released.
constexpr std::chrono::microseconds next_job_wait{200};
}  // namespace

bool job_runner::run_batch() {
  for (;;) {
    batch_.clear();
    events_.clear();
    jobs_.take_all(batch_, events_);
    for (auto& j : batch_) run(j);
    std::size_t ran = batch_.size();
    batch_.clear();
    for (const job_event& e : events_) {
      if (e.what == job_event::kind::written) {
        clean_up(e.job_id);  // its answer is out
        continue;
      }
      if (e.what == job_event::kind::more || e.what == job_event::kind::draining) {
        tell_streams(e);
        continue;
      }
      if (auto s = streams_.find(e.job_id); s != streams_.end()) {
        // A client that left in the middle of a stream: its pump stops, and
        // the generator is closed (its finally blocks run).
        cancel_task(s->second.task.get());
        streams_.erase(s);
        continue;
      }
      // A client that left: cancel its handler if it still runs, and forget it
      // now. (A Task cancelled before its first step never runs the code that
      // would report back, so nothing may wait for that report.)
      auto it = running_.find(e.job_id);
      if (it == running_.end()) {
        // It finished already (a sync handler, say), its answer not written:
        // its clean-ups are due all the same.
        if (endpoints_.any_cleanup()) clean_up(e.job_id);
        continue;
      }
      py_ref id = endpoints_.route(it->second.route).cleanup ? py_ref::steal(PyLong_FromUnsignedLongLong(e.job_id))
                                                             : py_ref::borrow(Py_None);
      PyObject* args[] = {it->second.task.get(), id.get()};
      if (!py_ref::steal(PyObject_Vectorcall(py_.cancel.get(), args, 2, nullptr)))
        log::line(log::level::error, "cannot cancel a handler:\n" + take_exception_text());
      it->second.reply.drop();
      forget(it);
    }
    // Every reply of the batch goes back to the reactor in one hand-off.
    flush();
    if (jobs_.closed() || ran == 0 || ran > low_load_batch || !running_.empty() || !next_job_soon()) break;
  }
  return jobs_.closed();
}

// The connection has room for the next piece of a stream; or the server
// drains, and event streams end.
void job_runner::tell_streams(const job_event& e) {
  py_ref id = py_ref::steal(PyLong_FromUnsignedLongLong(e.job_id));
  bool told = e.what == job_event::kind::more ? id && py_ref::steal(PyObject_CallOneArg(py_.stream_room.get(), id.get()))
                                               : bool(py_ref::steal(PyObject_CallNoArgs(py_.end_event_streams.get())));
  if (!told) log::line(log::level::error, "cannot pass on a stream's room:\n" + take_exception_text());
}

void job_runner::cancel_task(PyObject* task) {
  PyObject* args[] = {task, Py_None};
  if (!py_ref::steal(PyObject_Vectorcall(py_.cancel.get(), args, 2, nullptr)))
    log::line(log::level::error, "cannot cancel a stream:\n" + take_exception_text());
}

// What the dependencies of job `job_id` do after their `yield` runs now.
void job_runner::clean_up(std::uint64_t job_id) {
  py_ref id = py_ref::steal(PyLong_FromUnsignedLongLong(job_id));
  if (!id || !py_ref::steal(PyObject_CallOneArg(py_.written.get(), id.get())))
    log::line(log::level::error, "cannot clean up after a request:\n" + take_exception_text());
}

bool job_runner::next_job_soon() {
  using clock = std::chrono::steady_clock;
  bool arrived = false;
  Py_BEGIN_ALLOW_THREADS
  for (auto until = clock::now() + next_job_wait; !arrived && clock::now() < until;)
    arrived = jobs_.unstarted() > 0 || jobs_.closed();
  Py_END_ALLOW_THREADS
  return arrived;
}

void job_runner::run(job& j) {
  jobs_.started();
  // A client that left while its job waited needs no answer, and no handler.
  if (j.reply.abandoned()) {
    j.reply.drop();
    return;
  }
  http::response refusal;
  py_ref request = build_request(j, py_, max_json_depth_, refusal);
  if (!request && !PyErr_Occurred()) {
    out_.push_back(j.reply.take(std::move(refusal)));
    return;
  }
  const python_route& route = endpoints_.route(j.route);
  py_ref pool = request && route.use_pool ? py_ref::steal(PyObject_CallNoArgs(py_.pool.get())) : py_ref{};
  if (!request || (route.use_pool && !pool))
    return answer(j.reply, j.route, j.method, j.path, j.request_id, nullptr, j.id, nullptr, nullptr);
  if (route.mode == execution_mode::inline_call) {
    inline_route_.store(std::ptrdiff_t(j.route), std::memory_order_relaxed);
    py_ref result = call(j, request.get(), pool.get());
    inline_route_.store(-1, std::memory_order_relaxed);
    return answer(j.reply, j.route, j.method, j.path, j.request_id, request.get(), j.id, result.get(), nullptr);
  }
  py_ref task = start(j, request.get(), pool.get());
  if (!task) return answer(j.reply, j.route, j.method, j.path, j.request_id, nullptr, j.id, nullptr, nullptr);
  if (j.route < route_count_) running_by_route_[j.route].fetch_add(1, std::memory_order_relaxed);
  running_.emplace(j.id, running{j.route, std::move(j.method), std::move(j.path), std::move(j.request_id), std::move(j.reply),
                                    std::move(task), std::move(request)});
}

// Calls the route's handler as planned: itself with its parameters filled
// (by position when they lead, else by keyword), or snasio.app._invoke.
// Returns its result: a value, or for a task route a coroutine.
py_ref job_runner::call(const job& j, PyObject* request, PyObject* pool) {
  const python_route& route = endpoints_.route(j.route);
  if (route.call == call_kind::invoke) {
    py_ref route_id = py_ref::steal(PyLong_FromSize_t(j.route));
    py_ref job_id = py_ref::steal(PyLong_FromUnsignedLongLong(j.id));
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
bool job_runner::arguments(const job& j, PyObject* request, PyObject* pool, PyObject** out) {
  const python_route& route = endpoints_.route(j.route);
  PyObject* params = nullptr;  // the Request's path_params dict (borrowed)
  for (const argument& a : route.arguments) {
    if (a.from == argument::source::request) {
      *out++ = request;
    } else if (a.from == argument::source::pool) {
      *out++ = pool;
    } else {
      if (!params)
        params = *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(request) +
                                              py_.request_offsets[std::size_t(request_field::path_params)]);
      PyObject* value = PyDict_GetItemString(params, a.name.c_str());  // borrowed
      if (!value) {
        PyErr_Format(PyExc_KeyError, "no path parameter %s", a.name.c_str());
        return false;
      }
      *out++ = value;
    }
  }
  return true;
}

// Starts a handler that finishes later, in its route's mode; it reports back
// through handler_done(). Returns its Task (or future), or empty with a Python
// exception set.
py_ref job_runner::start(const job& j, PyObject* request, PyObject* pool) {
  const python_route& route = endpoints_.route(j.route);
  py_ref id = py_ref::steal(PyLong_FromUnsignedLongLong(j.id));
  if (!id) return {};
  if (route.mode == execution_mode::task) {
    py_ref coroutine = call(j, request, pool);
    if (!coroutine) return {};
    PyObject* start_args[] = {coroutine.get(), id.get(), endpoints_.name(j.route)};
    return py_ref::steal(PyObject_Vectorcall(py_.start_task.get(), start_args, 3, nullptr));
  }
  // On the dispatch threads: the handler and its arguments travel to them.
  argument_list values(route.arguments.size());
  if (!arguments(j, request, pool, values.data())) return {};
  PyObject* keywords = endpoints_.keywords(j.route);
  py_ref args = py_ref::steal(PyTuple_New(Py_ssize_t(route.positional)));
  py_ref kwargs = keywords ? py_ref::steal(PyDict_New()) : py_ref::borrow(Py_None);
  if (!args || !kwargs) return {};
  for (std::size_t i = 0; i < route.arguments.size(); ++i) {
    PyObject* value = values.data()[i];
    if (i < route.positional)
      PyTuple_SET_ITEM(args.get(), Py_ssize_t(i), py_ref::borrow(value).release());
    else if (PyDict_SetItem(kwargs.get(), PyTuple_GET_ITEM(keywords, Py_ssize_t(i - route.positional)), value) != 0)
      return {};
  }
  PyObject* start_args[] = {endpoints_.handler(j.route), args.get(), kwargs.get(), id.get()};
  return py_ref::steal(PyObject_Vectorcall(py_.start_blocking.get(), start_args, 4, nullptr));
}

void job_runner::forget(std::unordered_map<std::uint64_t, running>::iterator it) {
  if (it->second.route < route_count_) running_by_route_[it->second.route].fetch_sub(1, std::memory_order_relaxed);
  running_.erase(it);
}

void job_runner::routes_known(std::size_t count) {
  running_by_route_ = std::make_unique<std::atomic<int>[]>(count);
  route_count_ = count;
}

std::string job_runner::describe_running() const {
  std::string out;
  auto add = [&](std::string what) { out += (out.empty() ? "" : ", ") + std::move(what); };
  std::ptrdiff_t stuck = inline_route_.load(std::memory_order_relaxed);
  if (stuck >= 0) add(endpoints_.route(std::size_t(stuck)).name + " (sync, on the GIL thread)");
  for (std::size_t i = 0; i < route_count_; ++i) {
    int n = running_by_route_[i].load(std::memory_order_relaxed);
    if (n <= 0) continue;
    const python_route& r = endpoints_.route(i);
    std::string kind = r.mode == execution_mode::task ? "async" : r.use_pool ? "pool" : "blocking";
    add(r.name + " (" + kind + ")" + (n > 1 ? " x" + std::to_string(n) : ""));
  }
  return out.empty() ? "nothing" : out;
}

void job_runner::handler_done(std::uint64_t job_id, PyObject* result, PyObject* error) {
  auto it = running_.find(job_id);
  if (it == running_.end()) return;
  running r = std::move(it->second);
  forget(it);
  // Nobody is waiting for the outcome: cancelled or not, there is nothing to report.
  if (r.reply.abandoned()) {
    r.reply.drop();
    return;
  }
  // A handler cancelled by the server itself (shutting down) is not a bug to log.
  if (error != Py_None && PyErr_GivenExceptionMatches(error, py_.cancelled_error.get()))
    out_.push_back(r.reply.take(http::response::error(503, "request cancelled")));
  else
    answer(r.reply, r.route, r.method, r.path, r.request_id, r.request.get(), job_id, error == Py_None ? result : nullptr,
           error == Py_None ? nullptr : error);
  schedule_flush();
}

// Answers with a handler's outcome: `result`, else `error`, else the Python
// exception that is set.
void job_runner::answer(one_shot& reply, std::size_t route, const std::string& method, const std::string& path,
                        const std::string& request_id, PyObject* request, std::uint64_t job_id,
                        PyObject* result, PyObject* error) {
  py_ref raised = result || error ? py_ref{} : fetch_exception();
  request_label label{method, path, endpoints_.route(route).name, request_id};
  if (result && !PyDict_CheckExact(result) &&
      (PyGen_Check(result) || PyAsyncGen_CheckExact(result) ||
       PyObject_TypeCheck(result, reinterpret_cast<PyTypeObject*>(py_.streaming_class.get()))))
    return start_stream(reply, job_id, request, result, label);
  out_.push_back(reply.take(response_for(result, error ? error : raised.get(), py_, max_json_depth_, label)));
}

// A generator, async generator or StreamingResponse: the head goes now, and
// a task on the loop sends the pieces as the connection has room for them
// (snasio._loop.open_stream; a file's head depends on the request's Range).
void job_runner::start_stream(one_shot& reply, std::uint64_t job_id, PyObject* request, PyObject* result,
                              const request_label& label) {
  py_ref id = py_ref::steal(PyLong_FromUnsignedLongLong(job_id));
  PyObject* head_only = label.method == "HEAD" ? Py_True : Py_False;
  PyObject* args[] = {id.get(), result, request ? request : Py_None, head_only};
  py_ref opened = id ? py_ref::steal(PyObject_Vectorcall(py_.open_stream.get(), args, 4, nullptr)) : py_ref{};
  if (!opened || !PyTuple_Check(opened.get()) || PyTuple_GET_SIZE(opened.get()) != 2) {
    py_ref raised = fetch_exception();
    out_.push_back(reply.take(response_for(nullptr, raised.get(), py_, max_json_depth_, label)));
    return;
  }
  PyObject* head = PyTuple_GET_ITEM(opened.get(), 0);  // borrowed
  PyObject* task = PyTuple_GET_ITEM(opened.get(), 1);
  http::response r;
  std::string why;
  if (!to_response(head, py_, max_json_depth_, r, why)) {
    // A head that cannot be sent (a bad header, say) is a 500, and the pump stops unheard.
    r = bad_return_value(why, label);
    if (task != Py_None) cancel_task(task);
  } else if (PyObject_TypeCheck(head, reinterpret_cast<PyTypeObject*>(py_.streaming_class.get()))) {
    // (Without a pump, a HEAD request's: the head a GET would get, alone.)
    r.streamed = true;
    r.body.clear();
    py_ref length = py_ref::steal(PyObject_GetAttrString(head, "_length"));
    if (length && PyLong_Check(length.get())) r.stream_length = PyLong_AsLongLong(length.get());
    PyErr_Clear();
    if (task != Py_None) streams_.emplace(job_id, stream{*reply.to(), py_ref::borrow(task)});
  }
  out_.push_back(reply.take(std::move(r)));
}

void job_runner::stream_send(std::uint64_t job_id, std::string bytes, net::piece_end end, bool schedule) {
  auto it = streams_.find(job_id);
  if (it == streams_.end()) return;  // its client has gone
  reply_queue::reply piece{it->second.to, {}, end};
  piece.response.body = std::move(bytes);
  out_.push_back(std::move(piece));
  if (end != net::piece_end::more) streams_.erase(it);
  if (schedule) schedule_flush();
}

void job_runner::schedule_flush() {
  // Handlers finishing in one loop iteration share one wake-up of the reactor.
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  if (!py_ref::steal(PyObject_CallNoArgs(py_.schedule_flush.get()))) {
    PyErr_Clear();
    flush();
  }
}

void job_runner::flush() {
  flush_scheduled_ = false;
  replies_.push(out_);
}

void job_runner::shut_down() {
  // Jobs that arrived after the loop stopped are for connections that are
  // gone or closing; they get a 503 rather than silence.
  batch_.clear();
  jobs_.take_all(batch_, events_);
  for (auto& j : batch_) out_.push_back(j.reply.take(http::response::error(503, "server is shutting down")));
  batch_.clear();
  while (!running_.empty()) {
    auto it = running_.begin();
    out_.push_back(it->second.reply.take(http::response::error(503, "server is shutting down")));
    forget(it);
  }
  // Streams still sending are cut: their clients can tell.
  for (auto& [id, s] : streams_) out_.push_back({s.to, {}, net::piece_end::cut});
  streams_.clear();
  flush();
}

}  // namespace snasio::python
