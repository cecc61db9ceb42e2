// The C++ side of the agreement with snasio's Python package: each thing
// py/snasio/_contract.py declares has its counterpart here or next to the
// code that uses it, and load time checks the two against each other, so a
// mismatch stops start-up naming what differs (never a request gone wrong).
#pragma once

#include <string>

#include "net/responder.hpp"
#include "python/py_ref.hpp"

namespace snasio::python {

/// Where a route's handler runs, decided once when the app is planned (_contract.Mode).
enum class execution_mode {
  sync,   ///< a plain def (it may block): on the sync threads, none of which runs the loop
  async,  ///< an async def (or hooks or dependencies that await): a Task on the loop
};

/// How the server calls a route's handler (_contract.Call).
enum class call_kind {
  direct,  ///< the handler itself, its arguments filled from the request (and pool)
  invoke,  ///< the invoker: hooks and dependencies around the handler
};

/// Where an argument of a directly called handler comes from (_contract.Source).
enum class argument_source { request, path, pool, value };

/// Checks the contract's enums (Mode, Call, Source, JobEvent, PieceEnd)
/// against this side's, name by name and value by value; throws
/// startup_error naming the first that differs.
void check_contract_enums(PyObject* contract);

/// A member of the contract's Mode (Call, Source) as its value here; throws
/// startup_error naming `where` when it is none of them.
execution_mode to_execution_mode(PyObject* member, const std::string& where);
call_kind to_call_kind(PyObject* member, const std::string& where);
argument_source to_argument_source(PyObject* member, const std::string& where);
/// A PieceEnd (or its int) as net::piece_end; false with ValueError set when it is none.
bool to_piece_end(PyObject* value, net::piece_end& out);

/// Where each field of a snasio.Request (_contract.REQUEST_FIELDS, its
/// __slots__) lives inside an instance, so the GIL thread fills a new
/// Request's fields in place without running Python code.
struct request_layout {
  Py_ssize_t method = 0, path = 0, path_params = 0, raw_body = 0, client = 0, scheme = 0, request_id = 0,
             raw_query = 0, raw_headers = 0, raw_trailers = 0, body = 0, charset = 0, headers = 0, query = 0,
             query_multi = 0, parts = 0, lazy = 0, values = 0, problem = 0;

  /// The field at `offset` of `request` (null in a Request just allocated).
  static PyObject*& field(PyObject* request, Py_ssize_t offset) noexcept {
    return *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(request) + offset);
  }
  /// Finds each field in `request_class`; throws startup_error naming a field
  /// that the contract and this side do not both have, or that is no slot.
  static request_layout read(PyObject* contract, PyObject* request_class);
};

/// Where the field `name` of `cls`'s __slots__ lives in each instance (for
/// request_layout::field); throws startup_error naming `class_name`'s field,
/// and `why` the server needs it, when it is no slot.
Py_ssize_t slot_offset(PyObject* cls, const std::string& name, const std::string& class_name, const std::string& why);

}  // namespace snasio::python
