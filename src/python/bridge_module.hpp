#pragma once

#include <Python.h>

namespace snasio::python {

class gil_thread;

/// Registers the built-in `_snasio` module (call before the interpreter starts).
void register_bridge_module();
/// Points the imported `_snasio` module at the GIL thread it reports to.
bool attach_bridge_module(PyObject* module, gil_thread* owner);

}  // namespace snasio::python
