// Direct conversions between JSON text and Python objects.
//
// No `json` module and no DOM in between: the reader creates Python objects as
// it reads the text, and the writer walks Python objects straight into the
// output text (floats printed by RapidJSON's Grisu2). Integers of any size stay exact, floats round-trip bit for bit,
// NaN and Infinity are refused both ways, and nesting is bounded.
//
// Call both functions on the GIL thread with the GIL held. Neither leaves a
// Python exception set: a failure is reported in `error` as a short reason.
// json_to_python is implemented in json_to_python.cpp, python_to_json in
// python_to_json.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "python/py_ref.hpp"
#include "python/python_config.hpp"

namespace snasio::python {

/// Parses `text` (one JSON value, UTF-8) into new Python objects.
/// Returns an empty py_ref and sets `error` (e.g. "invalid JSON at offset 12:
/// missing a comma or ']' after an array element") when the text is refused,
/// or leaves `error` alone and sets MemoryError when an allocation fails.
/// With `intern_keys`, object keys are interned str, as attribute names are
/// (a typed body's keys become its instances' attributes).
py_ref json_to_python(std::string_view text, std::string& error,
                      std::size_t max_depth = default_max_json_depth, bool intern_keys = false);

/// Appends the JSON text of `object` to `out`: dict, list, tuple, str, int,
/// float, bool and None as they are; datetime, date and time in ISO 8601
/// (UTC as "Z"); anything else as `lowering` (set_json_lowering) gives it:
/// a dataclass, model or Struct as a dict, an Enum as its value, a UUID or
/// Decimal as a str, a set as a list. Returns false and sets `error` (e.g.
/// "cannot serialize object of type 'Foo' to JSON at $.items[3].created")
/// when it cannot; `out` may then hold partial output.
bool python_to_json(PyObject* object, std::string& out, std::string& error,
                    std::size_t max_depth = default_max_json_depth);

/// The function that gives an object's JSON form one level deep
/// (snasio._types.lower), borrowed for as long as the interpreter runs;
/// nullptr: only the types above.
void set_json_lowering(PyObject* lowering);

}  // namespace snasio::python
