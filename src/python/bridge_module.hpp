#pragma once

namespace snasio::python {

class job_runner;
struct py_objects;

/// Registers the built-in `_snasio` module (call before the interpreter starts).
void register_bridge_module();
/// Imports `_snasio` and points it at the runner its loop functions drive
/// and the objects it uses (GIL thread); throws startup_error.
void attach_bridge_module(job_runner& runner, const py_objects& py);

}  // namespace snasio::python
