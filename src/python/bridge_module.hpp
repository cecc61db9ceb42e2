#pragma once

namespace snasio::python {

class endpoint_table;
class job_runner;

/// Registers the built-in `_snasio` module (call before the interpreter starts).
void register_bridge_module();
/// Imports `_snasio` and points it at the table its `add_route` fills and the
/// runner its loop functions drive (GIL thread); throws startup_error.
void attach_bridge_module(endpoint_table& endpoints, job_runner& runner);

}  // namespace snasio::python
