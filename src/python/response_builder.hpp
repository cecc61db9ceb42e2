#pragma once

#include <cstddef>
#include <string>

#include "http/response.hpp"
#include "python/py_objects.hpp"

namespace snasio::python {

/// Turns a handler's return value into a response (GIL held):
/// dict/list → JSON, str → text/plain, bytes → application/octet-stream,
/// None → 204, (body, status), (body, status, headers), or a snasio.Response.
/// Returns false with `why` set when the value cannot be a response; no Python
/// exception is left set either way.
bool to_response(PyObject* result, const py_objects& py, std::size_t max_json_depth,
                 http::response& out, std::string& why);

/// Appends validated extra headers from a dict or a sequence of (name, value) pairs.
bool convert_headers(PyObject* headers, http::header_list& out, std::string& why);

}  // namespace snasio::python
