#pragma once

#include <cstddef>

#include "http/response.hpp"
#include "python/job.hpp"
#include "python/endpoint_table.hpp"
#include "python/py_objects.hpp"

namespace snasio::python {

/// Builds the snasio.Request for `j` (GIL held), with a typed route's
/// checked values (`route`, `values`: the route and its values' plan).
/// Returns an empty py_ref and fills `refusal` when the request is refused
/// before its handler runs (a JSON body that does not parse: 400); the
/// Python error indicator is clear then. Anything else that fails leaves
/// the Python exception set.
py_ref build_request(job& j, py_objects& py, std::size_t max_json_depth, http::response& refusal,
                     const python_route& route, const value_plans& values);

/// Releases a Request its handler is done with (GIL held). When nothing else
/// holds it, its fields are emptied, as its release would, and the object is
/// kept for the next build_request: allocating a Request and tracking it for
/// the cycle collector, then untracking and freeing it, is work per request
/// that one spare object saves.
void release_request(py_ref request, py_objects& py);

}  // namespace snasio::python
