#include "python/open_streams.hpp"

#include "log/log.hpp"
#include "python/errors.hpp"
#include "python/handler_call.hpp"

namespace snasio::python {

bool open_streams::streams(PyObject* result) const {
  return !PyDict_CheckExact(result) &&
         (PyGen_Check(result) || PyAsyncGen_CheckExact(result) ||
          PyObject_TypeCheck(result, reinterpret_cast<PyTypeObject*>(py_.streaming_class.get())));
}

http::response open_streams::open(std::uint64_t job_id, const net::responder& to, PyObject* result,
                                  PyObject* request, std::size_t max_json_depth, const request_label& label,
                                  outbox& out) {
  py_ref id = job_id_object(job_id);
  PyObject* head_only = label.method == "HEAD" ? Py_True : Py_False;
  PyObject* args[] = {id.get(), result, request ? request : Py_None, head_only};
  py_ref opened = id ? py_ref::steal(PyObject_Vectorcall(py_.open_stream.get(), args, 4, nullptr)) : py_ref{};
  if (!opened || !PyTuple_Check(opened.get()) || PyTuple_GET_SIZE(opened.get()) != 3) {
    py_ref raised = fetch_exception();
    return response_for(nullptr, raised.get(), py_, max_json_depth, label);
  }
  PyObject* head = PyTuple_GET_ITEM(opened.get(), 0);  // borrowed (head, body follows?, length or None)
  bool body = PyTuple_GET_ITEM(opened.get(), 1) == Py_True;
  PyObject* length = PyTuple_GET_ITEM(opened.get(), 2);
  http::response r;
  std::string why;
  if (!to_response(head, py_, max_json_depth, r, why)) {
    // A head that cannot be sent (a bad header, say) is a 500, and the pump never starts.
    if (body) call(py_.abandon_stream.get(), job_id, "drop a stream");
    return bad_return_value(why, label);
  }
  if (PyObject_TypeCheck(head, reinterpret_cast<PyTypeObject*>(py_.streaming_class.get()))) {
    // (Without a body, a HEAD request's: the head a GET would get, alone.)
    r.streamed = true;
    r.body.clear();
    if (PyLong_Check(length)) r.stream_length = PyLong_AsLongLong(length);
    PyErr_Clear();
    if (body) {
      streams_.emplace(job_id, to);
      out.pumps.push_back(job_id);
    }
  }
  return r;
}

void open_streams::start_pumps(outbox& out) {
  // A pump that cannot start (no memory) would leave its client waiting:
  // its stream is cut (a piece for the caller to hand over), its generator closed.
  for (std::uint64_t job_id : out.pumps) {
    if (call(py_.start_pump.get(), job_id, "start a stream")) continue;
    send(job_id, {}, net::piece_end::cut, out.replies);
    call(py_.abandon_stream.get(), job_id, "cancel a stream");
  }
  out.pumps.clear();
}

void open_streams::send(std::uint64_t job_id, std::string bytes, net::piece_end end,
                        std::vector<reply_queue::reply>& out) {
  auto it = streams_.find(job_id);
  if (it == streams_.end()) return;  // abandoned: its client has gone
  reply_queue::reply piece{it->second, {}, end};
  piece.response.body = std::move(bytes);
  out.push_back(std::move(piece));
  if (end != net::piece_end::more) streams_.erase(it);
}

bool open_streams::abandon(std::uint64_t job_id) {
  if (streams_.erase(job_id) == 0) return false;
  // Its pump stops, and the generator is closed (its finally blocks run).
  call(py_.abandon_stream.get(), job_id, "cancel a stream");
  return true;
}

bool open_streams::call(PyObject* callback, std::uint64_t job_id, const char* what) {
  py_ref id = job_id_object(job_id);
  if (id && py_ref::steal(PyObject_CallOneArg(callback, id.get()))) return true;
  log::line(log::level::error, std::string("cannot ") + what + ":\n" + take_exception_text());
  return false;
}

void open_streams::cut_all(std::vector<reply_queue::reply>& out) {
  for (auto& [id, to] : streams_) out.push_back({to, {}, net::piece_end::cut});
  streams_.clear();
}

}  // namespace snasio::python
