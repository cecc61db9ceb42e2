#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/response.hpp"
#include "python/py_objects.hpp"

// A handler's outcome becomes an http::response here and nowhere else: its
// return value through to_response(), its exception through response_for().
namespace snasio::python {

/// Names a request in log lines: "GET /users/7 (endpoints.user)".
struct request_label {
  std::string_view method;
  std::string_view path;
  std::string_view route;
  std::string_view request_id;
};

/// The response for a handler's outcome (GIL held): its return value `result`,
/// or, when that is null, its exception `error`. HTTPError becomes its status
/// and `{"error": detail}`; any other exception, and a return value that cannot
/// be a response, a 500 whose reason goes to the log, never to the client.
/// Leaves no Python exception set.
http::response response_for(PyObject* result, PyObject* error, const py_objects& py, std::size_t max_json_depth,
                            const request_label& label);

/// The 500 for a return value that cannot be a response, `why` logged.
http::response bad_return_value(std::string_view why, const request_label& label);

/// Turns a handler's return value into a response (GIL held):
/// dict/list → JSON, str → text/plain, bytes → application/octet-stream,
/// None → 204, (body, status), (body, status, headers), or a snasio.Response.
/// Returns false with `why` set when the value cannot be a response; no Python
/// exception is left set either way.
bool to_response(PyObject* result, const py_objects& py, std::size_t max_json_depth,
                 http::response& out, std::string& why);

/// Any answer a handler or hook gives (a return value, an HTTPError) as a
/// snasio.Response, as the server would send it, for on_response hooks to
/// see and edit (`_snasio.as_response`). Empty with a Python exception set
/// when it cannot be one.
py_ref as_response(PyObject* answer, const py_objects& py);

/// Appends validated extra headers from a dict or a sequence of (name, value) pairs.
bool convert_headers(PyObject* headers, http::header_list& out, std::string& why);

}  // namespace snasio::python
