#include "python/job_runner.hpp"

#include "log/log.hpp"
#include "net/brief_wait.hpp"
#include "python/errors.hpp"
#include "python/request_builder.hpp"
#include "python/response_builder.hpp"

namespace snasio::python {

namespace {
// After a batch this small, with no handler left running on the loop
// (nothing for it to do meanwhile), the GIL thread watches its lane briefly
// before it goes back to sleep (net::brief_wait says why).
constexpr std::size_t low_load_batch = 2;
}  // namespace

job_runner::job_runner(job_queue& jobs, reply_queue& replies, const endpoint_table& endpoints, py_objects& py)
    : jobs_(jobs), replies_(replies), endpoints_(endpoints), py_(py), handlers_(endpoints, py), running_(endpoints),
      streams_(py) {}

bool job_runner::run_batch() {
  for (;;) {
    batch_.clear();
    events_.clear();
    jobs_.take_all(batch_, events_);
    // Whether handlers may start eagerly, asked once a batch (an app's task
    // factory says no; so does a failure to ask, out of memory: then Tasks).
    py_ref eager_loop = batch_.empty() ? py_ref{} : py_ref::steal(PyObject_CallNoArgs(py_.eager_loop.get()));
    if (!eager_loop) PyErr_Clear();
    for (auto& box : batch_) {
      job& j = *box;
      py_ref pool;
      py_ref request = start(j, loop_out_, pool);
      if (!request) continue;
      // Named as running while its first step runs (a crash report lists it).
      running_.first_step(&j);
      auto s = handlers_.start(j, request.get(), pool.get(), eager_loop.get() == Py_None ? nullptr : eager_loop.get());
      running_.first_step(nullptr);
      if (s.done) {
        finish(j, request.get(), s.result.get(), s.error ? s.error.get() : Py_None);
        s = {};  // (what the handler returned may hold the request)
        release_request(std::move(request), py_);
      } else if (!s.task || (s.then_parked && !park(std::move(*s.then_parked), eager_loop.get())))
        answer(j, nullptr, nullptr, nullptr, loop_out_);
      else running_.add(std::move(box), std::move(s.task), std::move(request));
    }
    std::size_t ran = batch_.size();
    batch_.clear();
    for (const job_event& e : events_) {
      switch (e.what) {
        case job_event::kind::abandoned: abandon(e.job_id); break;
        case job_event::kind::written: tell(py_.written.get(), e.job_id, "clean up after a request"); break;
        case job_event::kind::room: tell(py_.room.get(), e.job_id, "pass on a stream's room"); break;
        case job_event::kind::draining:
          if (!py_ref::steal(PyObject_CallNoArgs(py_.draining.get())))
            log::line(log::level::error, "cannot end the event streams:\n" + take_exception_text());
          break;
      }
    }
    // Every reply of the batch goes back to the reactor in one hand-off.
    flush(loop_out_);
    if (jobs_.closed() || ran == 0 || ran > low_load_batch || !running_.empty()) break;
    bool more = false;
    Py_BEGIN_ALLOW_THREADS
    more = net::wait_briefly([this] { return jobs_.unstarted() > 0 || jobs_.closed(); });
    Py_END_ALLOW_THREADS
    if (!more) break;
  }
  return jobs_.closed();
}

void job_runner::run_sync(job& j, outbox& out) {
  py_ref pool;
  py_ref request = start(j, out, pool);
  if (!request) return;
  py_ref result = handlers_.call(j, request.get(), pool.get());
  answer(j, request.get(), result.get(), nullptr, out);
  result = {};
  release_request(std::move(request), py_);
}

// A job's start: marked started, and its Request built (with the pool, for a
// route that gets it). Empty when the job is answered already: abandoned,
// refused (a malformed body), or failed.
py_ref job_runner::start(job& j, outbox& out, py_ref& pool) {
  jobs_.started();
  // An answer abandoned while its job waited needs no handler.
  if (j.answer.abandoned()) {
    j.answer.drop();
    return {};
  }
  http::response refusal;
  py_ref request = build_request(j, py_, max_json_depth_, refusal, endpoints_.route(j.route), endpoints_.values(j.route));
  if (!request && !PyErr_Occurred()) {
    out.replies.push_back(j.answer.take(std::move(refusal)));
    return {};
  }
  if (request && endpoints_.route(j.route).use_pool) pool = py_ref::steal(PyObject_CallNoArgs(py_.pool.get()));
  if (!request || (endpoints_.route(j.route).use_pool && !pool)) {
    answer(j, nullptr, nullptr, nullptr, out);
    return {};
  }
  return request;
}

// Answers with a handler's outcome: `result`, else `error`, else the Python
// exception that is set.
void job_runner::answer(job& j, PyObject* request, PyObject* result, PyObject* error, outbox& out) {
  py_ref raised = result || error ? py_ref{} : fetch_exception();
  request_label label{j.method, j.path, endpoints_.route(j.route).name, j.request_id};
  http::response r = result && streams_.streams(result)
                         ? streams_.open(j.id, *j.answer.to(), result, request, max_json_depth_, label, out)
                         : response_for(result, error ? error : raised.get(), py_, max_json_depth_, label);
  out.replies.push_back(j.answer.take(std::move(r)));
}

void job_runner::handler_done(std::uint64_t job_id, PyObject* result, PyObject* error) {
  auto r = running_.take(job_id);
  if (!r) return;
  finish(*r->j, r->request.get(), result, error);
  schedule_flush();
}

void job_runner::finish(job& j, PyObject* request, PyObject* result, PyObject* error) {
  // Nobody is waiting for the outcome: cancelled or not, there is nothing to report.
  if (j.answer.abandoned()) {
    j.answer.drop();
    return;
  }
  // A handler cancelled by the server itself (shutting down) is not a bug to log.
  if (error != Py_None && PyErr_GivenExceptionMatches(error, py_.cancelled_error.get()))
    loop_out_.replies.push_back(j.answer.take(http::response::error(503, "request cancelled")));
  else
    answer(j, request, error == Py_None ? result : nullptr, error == Py_None ? nullptr : error, loop_out_);
}

// Nobody will read the answer of `job_id`: its handler (or stream) is
// cancelled if it still runs, and forgotten now. (A Task cancelled before its
// first step never runs the code that would report back, so nothing may wait
// for that report.) A sync handler cannot be stopped: it finishes, and its
// answer is dropped.
void job_runner::abandon(std::uint64_t job_id) {
  if (streams_.abandon(job_id)) return;
  auto r = running_.take(job_id);
  if (!r) {
    // It finished already (a sync handler, say), its answer not written:
    // clean-ups that waited for the write are due all the same.
    if (endpoints_.any_cleanup_after_write()) tell(py_.written.get(), job_id, "clean up after a request");
    return;
  }
  py_ref id = endpoints_.route(r->j->route).cleanup_after_write ? job_id_object(job_id) : py_ref::borrow(Py_None);
  PyObject* args[] = {r->task.get(), id.get()};
  if (!id || !py_ref::steal(PyObject_Vectorcall(py_.abandon.get(), args, 2, nullptr)))
    log::line(log::level::error, "cannot cancel a handler:\n" + take_exception_text());
  r->j->answer.drop();
}

// Calls `callback(job_id)`, one of the contract's event callbacks.
void job_runner::tell(PyObject* callback, std::uint64_t job_id, const char* what) {
  py_ref id = job_id_object(job_id);
  if (!id || !py_ref::steal(PyObject_CallOneArg(callback, id.get())))
    log::line(log::level::error, std::string("cannot ") + what + ":\n" + take_exception_text());
}

void job_runner::stream_send(std::uint64_t job_id, std::string bytes, net::piece_end end, bool schedule) {
  streams_.send(job_id, std::move(bytes), end, loop_out_.replies);
  if (schedule) schedule_flush();
}

// Parks a handler until the loop's next iteration; false, with the Python
// exception set, when its next step cannot be scheduled.
bool job_runner::park(handler_call::parked&& p, PyObject* loop) {
  // One call of the loop steps every handler parked before it runs.
  if (parked_.empty()) {
    if (!py_ref::steal(PyObject_CallNoArgs(py_.schedule_resume.get()))) return false;
    parked_loop_ = py_ref::borrow(loop);
  }
  parked_.push_back(std::move(p));
  return true;
}

void job_runner::resume_parked() {
  resuming_.swap(parked_);
  py_ref loop = py_ref::borrow(parked_loop_.get());
  for (auto& p : resuming_) {
    auto s = handlers_.resume(p, loop.get());  // (its job is among the running ones a crash report lists)
    bool parked = s.then_parked && park(std::move(*s.then_parked), loop.get());
    if (parked || (s.task && !s.then_parked)) continue;  // parked again, or a Task carries it on
    // Done, or failed (a Python exception set): answered now, if still wanted.
    auto r = running_.take(p.job_id);
    if (!r) PyErr_Clear();
    else if (s.done) finish(*r->j, r->request.get(), s.result.get(), s.error ? s.error.get() : Py_None);
    else answer(*r->j, nullptr, nullptr, nullptr, loop_out_);
  }
  resuming_.clear();
  if (parked_.empty()) parked_loop_ = {};  // (no reference may outlive the interpreter)
  flush(loop_out_);
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

void job_runner::flush(outbox& out) {
  if (&out == &loop_out_) flush_scheduled_ = false;
  replies_.push(out.replies);
  // Only now, with their heads on their way, may streams' pieces follow
  // (or the cut of a stream whose pump could not start).
  start_pumps(out);
}

void job_runner::shut_down() {
  // Jobs that arrived after the loop stopped are for connections that are
  // gone or closing; they get a 503 rather than silence.
  batch_.clear();
  jobs_.take_all(batch_, events_);
  jobs_.take_all_sync(batch_);
  for (auto& j : batch_)
    loop_out_.replies.push_back(j->answer.take(http::response::error(503, "server is shutting down")));
  batch_.clear();
  for (auto& [id, r] : running_.take_all())
    loop_out_.replies.push_back(r.j->answer.take(http::response::error(503, "server is shutting down")));
  // A handler parked at a bare yield is cancelled as a Task is: one takes it
  // on and delivers the cancel, and closing the loop waits for it.
  for (auto& p : parked_) {
    PyObject* args[] = {p.stand_in.get(), Py_None};
    if (!py_ref::steal(PyObject_Vectorcall(py_.abandon.get(), args, 2, nullptr)))
      log::line(log::level::error, "cannot cancel a handler:\n" + take_exception_text());
  }
  parked_.clear();
  parked_loop_ = {};
  streams_.cut_all(loop_out_.replies);
  loop_out_.pumps.clear();
  flush(loop_out_);
}

}  // namespace snasio::python
