#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "python/job.hpp"
#include "python/py_objects.hpp"
#include "python/py_ref.hpp"
#include "python/value_plans.hpp"

namespace snasio::python {

/// A typed route's checked values as the handler takes them (GIL held): a
/// tuple, in plan order, of Python objects, each converted by its
/// converter (`plan`: per value, its default and its converter), a value
/// left out replaced by its default, files made UploadedFile objects.
/// `body` receives the value at `body_index` (the JSON body) when nothing
/// converts it, for request.body to reuse; snasio.request.JSON_UNREAD when
/// its objects became the converted value. Empty with the Python exception
/// set on failure.
py_ref typed_values(const job& j, const value_plans& plan, const py_objects& py,
                    std::size_t max_json_depth, std::size_t body_index, py_ref& body);

/// The answer refusing a typed request, as a snasio.Response (the request's
/// _problem, for on_request hooks to run before it is sent).
py_ref problem_response(const job& j, const py_objects& py);

}  // namespace snasio::python
