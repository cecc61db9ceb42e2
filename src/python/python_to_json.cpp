// Python objects -> JSON text: a walk over dict, list, tuple, str, int, float,
// bool and None that feeds RapidJSON's writer, appending to a std::string.
#include "python/json_convert.hpp"

#include <rapidjson/allocators.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>

namespace snasio::python {
namespace {

// The writer keeps one 16-byte record per open array/object. This buffer holds
// default_max_json_depth of them plus the pool's header, so the usual call
// never touches the heap; a caller asking for more depth spills into it.
constexpr std::size_t writer_scratch_bytes = 2048;

// RapidJSON counts string lengths in 32 bits.
constexpr auto max_json_string_bytes = std::numeric_limits<rapidjson::SizeType>::max();

using scratch_allocator = rapidjson::MemoryPoolAllocator<>;

// The output stream concept RapidJSON's writer needs, appending to a string.
struct string_sink {
  using Ch = char;
  void Put(char c) { out->push_back(c); }
  void Flush() {}
  std::string* out;
};

using json_writer = rapidjson::Writer<string_sink, rapidjson::UTF8<>, rapidjson::UTF8<>, scratch_allocator>;

// Walks Python objects and emits their JSON through the writer.
//
// The walk holds only borrowed references (from PyDict_Next, list and tuple
// items). That is safe because nothing here runs Python code: no __str__, no
// __repr__, no __index__ of a subclass, so no container can change under us.
class json_emitter {
 public:
  json_emitter(json_writer& writer, std::string& error, std::size_t max_depth)
      : writer_(writer), error_(error), max_depth_(max_depth) {}

  /// Writes one value that has `depth` arrays/objects around it.
  bool write(PyObject* object, std::size_t depth);

 private:
  bool write_int(PyObject* object);
  bool write_float(PyObject* object);
  bool write_str(PyObject* object, bool as_key);
  bool write_dict(PyObject* object, std::size_t depth);
  bool write_array(PyObject* object, std::size_t depth);
  bool fail(std::string_view reason, std::string_view detail = {});

  json_writer& writer_;
  std::string& error_;
  std::size_t max_depth_;
};

bool json_emitter::write(PyObject* object, std::size_t depth) {
  // Subclasses pass too (an OrderedDict is a dict). bool comes before int:
  // True is an int, but must be written as true, not 1.
  if (PyUnicode_Check(object)) return write_str(object, false);
  if (object == Py_None) return writer_.Null();
  if (PyBool_Check(object)) return writer_.Bool(object == Py_True);
  if (PyLong_Check(object)) return write_int(object);
  if (PyFloat_Check(object)) return write_float(object);
  if (PyDict_Check(object)) return write_dict(object, depth);
  if (PyList_Check(object) || PyTuple_Check(object)) return write_array(object, depth);
  return fail("cannot serialize object of type '%' to JSON", Py_TYPE(object)->tp_name);
}

bool json_emitter::write_int(PyObject* object) {
  int overflow = 0;
  long long value = PyLong_AsLongLongAndOverflow(object, &overflow);
  if (overflow == 0) return writer_.Int64(value);
  // Bigger than 64 bits: write Python's exact decimal digits. PyNumber_ToBase
  // uses int's own formatting even for a subclass that overrides __str__.
  // Python refuses more than sys.get_int_max_str_digits() digits (4300 by
  // default), a guard against quadratic-time conversion.
  py_ref digits = py_ref::steal(PyNumber_ToBase(object, 10));
  if (!digits) return fail("cannot serialize an int with more digits than sys.get_int_max_str_digits() to JSON");
  Py_ssize_t length = 0;
  const char* text = PyUnicode_AsUTF8AndSize(digits.get(), &length);
  if (!text) return fail("cannot serialize int to JSON");
  return writer_.RawValue(text, static_cast<std::size_t>(length), rapidjson::kNumberType);
}

bool json_emitter::write_float(PyObject* object) {
  double value = PyFloat_AS_DOUBLE(object);
  if (std::isnan(value)) return fail("cannot serialize float 'nan' to JSON");
  if (std::isinf(value)) return fail("cannot serialize float 'inf' to JSON");
  // RapidJSON's Grisu2 prints digits that read back as the very same double.
  return writer_.Double(value);
}

bool json_emitter::write_str(PyObject* object, bool as_key) {
  Py_ssize_t length = 0;
  // UTF-8 straight from the str (cached inside it); fails on lone surrogates.
  const char* text = PyUnicode_AsUTF8AndSize(object, &length);
  if (!text) return fail("cannot serialize str containing a lone surrogate to JSON");
  if (static_cast<std::size_t>(length) > max_json_string_bytes)
    return fail("cannot serialize str longer than 4 GiB to JSON");
  auto size = static_cast<rapidjson::SizeType>(length);
  return as_key ? writer_.Key(text, size) : writer_.String(text, size);
}

bool json_emitter::write_dict(PyObject* object, std::size_t depth) {
  if (depth >= max_depth_) return fail("cannot serialize object nested deeper than % levels to JSON",
                                       std::to_string(max_depth_));
  if (!writer_.StartObject()) return false;
  Py_ssize_t position = 0;
  PyObject* key = nullptr;    // borrowed
  PyObject* value = nullptr;  // borrowed
  while (PyDict_Next(object, &position, &key, &value)) {
    if (!PyUnicode_Check(key))
      return fail("cannot serialize dict key of type '%' to JSON (keys must be str)", Py_TYPE(key)->tp_name);
    if (!write_str(key, true) || !write(value, depth + 1)) return false;
  }
  return writer_.EndObject();
}

bool json_emitter::write_array(PyObject* object, std::size_t depth) {
  if (depth >= max_depth_) return fail("cannot serialize object nested deeper than % levels to JSON",
                                       std::to_string(max_depth_));
  if (!writer_.StartArray()) return false;
  // Lists and tuples alike: the PySequence_Fast macros read either in place.
  Py_ssize_t size = PySequence_Fast_GET_SIZE(object);
  PyObject** items = PySequence_Fast_ITEMS(object);  // borrowed
  for (Py_ssize_t i = 0; i < size; ++i)
    if (!write(items[i], depth + 1)) return false;
  return writer_.EndArray();
}

// Sets the error ('%' in `reason` becomes `detail`) and clears any Python
// exception behind it: callers get a reason string, never a pending exception.
bool json_emitter::fail(std::string_view reason, std::string_view detail) {
  PyErr_Clear();
  std::size_t mark = reason.find('%');
  if (mark == std::string_view::npos) {
    error_.assign(reason);
  } else {
    error_.assign(reason.substr(0, mark));
    error_ += detail;
    error_ += reason.substr(mark + 1);
  }
  return false;
}

}  // namespace

bool python_to_json(PyObject* object, std::string& out, std::string& error, std::size_t max_depth) {
  alignas(std::max_align_t) std::array<std::byte, writer_scratch_bytes> writer_scratch;
  scratch_allocator writer_memory(writer_scratch.data(), writer_scratch.size());
  std::size_t levels = std::clamp<std::size_t>(max_depth, 1, default_max_json_depth);

  string_sink sink{&out};
  json_writer writer(sink, &writer_memory, levels);
  json_emitter emitter(writer, error, max_depth);
  return emitter.write(object, 0);
}

}  // namespace snasio::python
