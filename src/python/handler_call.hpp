#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "python/endpoint_table.hpp"
#include "python/job.hpp"
#include "python/py_objects.hpp"
#include "python/py_ref.hpp"

namespace snasio::python {

/// The calling conventions: how the GIL thread calls a route's handler, as
/// its plan says (GIL held).
class handler_call {
 public:
  handler_call(const endpoint_table& endpoints, const py_objects& py) : endpoints_(endpoints), py_(py) {}

  /// Calls the handler of `j`'s route: itself with its parameters filled (by
  /// position when they lead, else by keyword), or through the invoker.
  /// Returns its result (for an async route, a coroutine), or empty with a
  /// Python exception set.
  py_ref call(const job& j, PyObject* request, PyObject* pool) const;
  /// An async handler whose step, run here, yielded to the loop (a bare
  /// yield, as asyncio.sleep(0) makes) rather than wait on a future: the GIL
  /// thread takes its next step too, with resume(), at the next loop
  /// iteration, as a Task would, but without one.
  struct parked {
    std::uint64_t job_id = 0;
    std::size_t route = 0;
    py_ref stand_in, context, coroutine, job_id_object;
  };
  /// How an async handler's start (or a parked one's step) went: `done`
  /// with its `result` or `error`; `parked` again; or running as `task`,
  /// which reports back through _snasio._handler_done (while parked, `task`
  /// is its HandlerTask); none of these, with a Python exception set, when
  /// it could not start or go on.
  struct started {
    bool done = false;
    py_ref result, error;
    py_ref task;
    std::optional<parked> then_parked;
  };
  /// Starts an async handler. Given the running loop (`eager_loop`: no task
  /// factory is set), its first step runs here, as Python 3.12's eager
  /// tasks run it, with a snasio._loop.HandlerTask as the current task; if
  /// it waits on a future, a Task carries it on from there, and its route's
  /// next `tasks_after_a_wait` handlers start as Tasks. Otherwise it starts
  /// as a Task.
  started start(const job& j, PyObject* request, PyObject* pool, PyObject* eager_loop);
  /// The next step of a parked handler, on `loop`; unless a Task took it on
  /// meanwhile (it was cancelled: the Task delivers that at its wait).
  started resume(parked& p, PyObject* loop);

  /// How many of a route's handlers start as Tasks after one, started
  /// eagerly, waited: carrying a handler on from its first wait costs more
  /// than a Task from the start.
  static constexpr int tasks_after_a_wait = 100;

 private:
  bool arguments(const job& j, PyObject* request, PyObject* pool, PyObject** out) const;
  started step(parked& p, PyObject* loop);
  started carry_on(parked& p, PyObject* waits_on);
  py_ref stand_in(const parked& p, PyObject* name) const;

  const endpoint_table& endpoints_;
  const py_objects& py_;
  std::vector<int> waited_;  // by route: how many more start as Tasks
};

/// A job id as a Python int (new reference; empty with MemoryError set).
inline py_ref job_id_object(std::uint64_t id) { return py_ref::steal(PyLong_FromUnsignedLongLong(id)); }

}  // namespace snasio::python
