// Fuzzes the JSON <-> Python conversions. For every input that parses:
//   - writing the objects back must succeed;
//   - reading that text must give equal objects, and writing them again the
//     very same text (so no int turned float, no -0.0 lost its sign);
//   - Python's json module must read the input as the same objects.
// And for every input refused, Python's json module must refuse it too,
// unless the refusal is one snasio makes on purpose (NaN and Infinity, a
// float beyond the double range, lone surrogates, nesting deeper than the
// bound). A crash, a failed check or a Python exception left set aborts.
#include "python/errors.hpp"
#include "python/interpreter.hpp"
#include "python/json_convert.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

using snasio::python::json_to_python;
using snasio::python::py_ref;
using snasio::python::python_to_json;

namespace {

// Borrowed from sys.modules once started; the fuzzer never finalizes Python.
PyObject* json_loads = nullptr;

[[noreturn]] void die(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "json_fuzzer: %s %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  if (PyErr_Occurred()) PyErr_Print();
  std::abort();
}

void check_no_exception() {
  if (PyErr_Occurred()) die("a Python exception was left set");
}

bool equal(PyObject* a, PyObject* b) {
  int result = PyObject_RichCompareBool(a, b, Py_EQ);  // NaN cannot occur: it is refused
  if (result < 0) die("comparison failed");
  return result == 1;
}

// Python's own reading of `text`, or empty when it refuses (no exception left set).
py_ref python_json_loads_or_none(std::string_view text) {
  py_ref str = py_ref::steal(PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "strict"));
  py_ref value = str ? py_ref::steal(PyObject_CallOneArg(json_loads, str.get())) : py_ref{};
  PyErr_Clear();
  return value;
}

// The refusals snasio makes on purpose, where Python's json module accepts.
bool deliberate_refusal(std::string_view error, std::string_view input) {
  for (std::string_view reason : {"nested deeper", "number out of range", "surrogate", "digits than Python"})
    if (error.find(reason) != std::string_view::npos) return true;
  return error.find("invalid value") != std::string_view::npos &&
         (input.find("NaN") != std::string_view::npos || input.find("Infinity") != std::string_view::npos);
}

// Python's own reading of a text we accepted (so it is valid UTF-8).
py_ref python_json_loads(std::string_view text) {
  py_ref str = py_ref::steal(PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), "strict"));
  if (!str) die("accepted text is not UTF-8:", text);
  py_ref value = py_ref::steal(PyObject_CallOneArg(json_loads, str.get()));
  if (!value) die("json.loads refused a text we accepted:", text);
  return value;
}

alignas(snasio::python::interpreter) unsigned char interpreter_storage[sizeof(snasio::python::interpreter)];

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // The interpreter as snasio starts it. It is never finalized: a fuzzer
  // exits without tearing anything down. Built in static storage, whose
  // destructor never runs (and which is no heap allocation to report).
  try {
    new (interpreter_storage) snasio::python::interpreter(snasio::python::python_config{});
  } catch (const snasio::python::startup_error& e) {
    die("cannot start Python:", e.what());
  }
  PyObject* json = PyImport_ImportModule("json");  // kept for the whole run
  if (!json) die("cannot import json");
  json_loads = PyObject_GetAttrString(json, "loads");
  if (!json_loads) die("no json.loads");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string error;
  py_ref value = json_to_python(input, error);
  check_no_exception();
  if (!value) {
    if (error.empty()) die("refused without a reason");
    if (python_json_loads_or_none(input) && !deliberate_refusal(error, input))
      die("refused what json.loads reads:", error);
    return 0;
  }

  std::string text, error_out;
  if (!python_to_json(value.get(), text, error_out)) die("cannot write what was read:", error_out);
  check_no_exception();
  py_ref again = json_to_python(text, error);
  check_no_exception();
  if (!again) die("cannot read what was written:", error);
  if (!equal(value.get(), again.get())) die("round trip changed the value:", text);
  std::string text_again;
  if (!python_to_json(again.get(), text_again, error_out) || text_again != text)
    die("writing is not stable:", text_again);
  check_no_exception();

  if (!equal(value.get(), python_json_loads(input).get())) die("json.loads reads it differently:", input);
  return 0;
}
