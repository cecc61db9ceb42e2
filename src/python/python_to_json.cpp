// Python objects -> JSON text: a walk over dict, list, tuple, str, int, float,
// bool and None, appending straight to a std::string. Floats are printed by
// RapidJSON's Grisu2 (the digits its writer prints); the rest is simple
// enough to write directly, through a pointer into the output. Dates are
// written in ISO 8601, and any other object as its JSON form, which a
// Python function (snasio._types.lower) gives one level deep.
#include "python/json_convert.hpp"
#include "python/json_escapes.hpp"
#include "python/class_fields.hpp"

#include <datetime.h>

#include <rapidjson/internal/dtoa.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace snasio::python {
namespace {

PyObject* lowering = nullptr;  // borrowed: set_json_lowering

// Walks Python objects and appends their JSON to `out`.
//
// The walk holds borrowed references (from PyDict_Next, list and tuple
// items) to plain JSON; the objects it hands to Python code (isoformat(),
// the lowering function) are held while that code runs, and a container
// that changes size meanwhile is refused.
class json_emitter {
 public:
  json_emitter(std::string& out, std::string& error, std::size_t max_depth)
      : out_(out), used_(out.size()), error_(error), max_depth_(max_depth) {}
  // Hands the bytes written to `out`.
  ~json_emitter() { out_.resize(used_); }

  /// Writes one value that has `depth` arrays/objects around it.
  bool write(PyObject* object, std::size_t depth);

 private:
  // The output grows in steps and is written through a pointer: a small
  // value costs a few stores, not a library call per piece.
  char* room(std::size_t n) {
    if (out_.size() - used_ < n) out_.resize(std::max({out_.size() * 2, used_ + n, std::size_t(256)}));
    return out_.data() + used_;
  }
  void put(char c) {
    *room(1) = c;
    ++used_;
  }
  void put(std::string_view s) {
    std::copy(s.begin(), s.end(), room(s.size()));
    used_ += s.size();
  }

  bool write_int(PyObject* object);
  bool write_float(PyObject* object);
  bool write_str(PyObject* object);
  bool write_dict(PyObject* object, std::size_t depth);
  bool write_array(PyObject* object, std::size_t depth);
  bool write_other(PyObject* object, std::size_t depth);
  bool write_fields(PyObject* object, const class_fields& fields, std::size_t depth);
  bool fail(std::string_view reason, std::string_view detail = {});

 public:
  std::string where;  // on failure: the path of the value at fault, from the root ("$" not included)

 private:
  std::string& out_;
  std::size_t used_;  // bytes of out_ written so far; the rest is room
  std::string& error_;
  std::size_t max_depth_;
};

bool json_emitter::write(PyObject* object, std::size_t depth) {
  // Subclasses pass too (an OrderedDict is a dict). bool comes before int:
  // True is an int, but must be written as true, not 1.
  if (PyUnicode_Check(object)) return write_str(object);
  if (object == Py_None || PyBool_Check(object)) {
    put(object == Py_None ? "null" : object == Py_True ? "true" : "false");
    return true;
  }
  if (PyLong_Check(object)) return write_int(object);
  if (PyFloat_Check(object)) return write_float(object);
  if (PyDict_Check(object)) return write_dict(object, depth);
  if (PyList_Check(object) || PyTuple_Check(object)) return write_array(object, depth);
  return write_other(object, depth);
}

// A date as ISO 8601 (UTC written "Z", as pydantic writes it); any other
// object as the lowering function gives it.
bool json_emitter::write_other(PyObject* object, std::size_t depth) {
  if (depth >= max_depth_) return fail("cannot serialize object nested deeper than % levels to JSON",
                                       std::to_string(max_depth_));
  if (const class_fields* f = fields_of(Py_TYPE(object)); f && f->names.get() != Py_None) return write_fields(object, *f, depth);
  if (!PyDateTimeAPI) PyDateTime_IMPORT;
  if (PyDateTimeAPI && (PyDate_Check(object) || PyTime_Check(object))) {
    py_ref text = py_ref::steal(PyObject_CallMethod(object, "isoformat", nullptr));
    if (!text || !PyUnicode_Check(text.get())) return fail("cannot serialize object of type '%' to JSON", Py_TYPE(object)->tp_name);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text.get());
    if (n > 6 && PyUnicode_Tailmatch(text.get(), py_ref::steal(PyUnicode_FromString("+00:00")).get(), n - 6, n, 1) == 1)
      text = py_ref::steal(PyUnicode_FromFormat("%UZ", py_ref::steal(PyUnicode_Substring(text.get(), 0, n - 6)).get()));
    return text && write_str(text.get());
  }
  py_ref lowered = lowering ? py_ref::steal(PyObject_CallOneArg(lowering, object)) : py_ref{};
  if (!lowered) return fail("cannot serialize object of type '%' to JSON", Py_TYPE(object)->tp_name);
  return write(lowered.get(), depth + 1);
}

// A dataclass or Struct as an object of its fields, read where they are:
// from the instance's __dict__ when nothing else can answer for them
// (class_fields::in_dict), else as attributes.
bool json_emitter::write_fields(PyObject* object, const class_fields& fields, std::size_t depth) {
  // Held: the cache may drop the entry while the fields are written.
  py_ref names = py_ref::borrow(fields.names.get()), keys = py_ref::borrow(fields.keys.get());
  py_ref dict;
  PyTypeObject* type = Py_TYPE(object);
  if (fields.in_dict && PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG) && type->tp_version_tag == fields.version)
    dict = py_ref::steal(PyObject_GenericGetDict(object, nullptr));
  if (!dict) PyErr_Clear();  // (no __dict__: read as attributes)
  put('{');
  // An instance's __dict__ holds its fields in their order, as __init__ set
  // them: each is first looked for at the next place of a walk through it
  // (cheaper than a lookup by name), then, if another key is there, by name.
  Py_ssize_t at = 0;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(names.get()); ++i) {
    PyObject* name = PySequence_Fast_GET_ITEM(names.get(), i);  // borrowed: held above
    PyObject *key = nullptr, *found = nullptr;                  // borrowed
    if (dict && !(PyDict_Next(dict.get(), &at, &key, &found) && key == name)) {
      found = PyDict_GetItemWithError(dict.get(), name);
      if (!found) PyErr_Clear();  // (a key whose == raised: the attribute is asked for instead)
    }
    py_ref value = found ? py_ref::borrow(found) : py_ref::steal(PyObject_GetAttr(object, name));
    if (!value) return fail("cannot read field '%' to serialize it to JSON", PyUnicode_AsUTF8(name));
    if (keys.get() != Py_None) {
      PyObject* k = PyTuple_GET_ITEM(keys.get(), i);
      put(std::string_view(PyBytes_AS_STRING(k), std::size_t(PyBytes_GET_SIZE(k))));
    } else {
      if (i > 0) put(',');
      if (!write_str(name)) return false;
      put(':');
    }
    if (!write(value.get(), depth + 1)) {
      where.insert(0, "." + std::string(PyUnicode_AsUTF8(name)));
      return false;
    }
  }
  put('}');
  return true;
}

bool json_emitter::write_int(PyObject* object) {
  int overflow = 0;
  long long value = PyLong_AsLongLongAndOverflow(object, &overflow);
  if (overflow == 0) {
    char digits[24];
    put(std::string_view(digits, std::size_t(std::to_chars(digits, digits + sizeof digits, value).ptr - digits)));
    return true;
  }
  // Bigger than 64 bits: write Python's exact decimal digits. PyNumber_ToBase
  // uses int's own formatting even for a subclass that overrides __str__.
  // Python refuses more than sys.get_int_max_str_digits() digits (4300 by
  // default), a guard against quadratic-time conversion.
  py_ref digits = py_ref::steal(PyNumber_ToBase(object, 10));
  if (!digits) return fail("cannot serialize an int with more digits than sys.get_int_max_str_digits() to JSON");
  Py_ssize_t length = 0;
  const char* text = PyUnicode_AsUTF8AndSize(digits.get(), &length);
  if (!text) return fail("cannot serialize int to JSON");
  put(std::string_view(text, std::size_t(length)));
  return true;
}

bool json_emitter::write_float(PyObject* object) {
  double value = PyFloat_AS_DOUBLE(object);
  if (std::isnan(value)) return fail("cannot serialize float 'nan' to JSON");
  if (std::isinf(value)) return fail("cannot serialize float 'inf' to JSON");
  // Grisu2 prints digits that read back as the very same double, and keeps
  // a float looking like one ("1.0", not "1").
  char digits[32];
  put(std::string_view(digits, std::size_t(rapidjson::internal::dtoa(value, digits) - digits)));
  return true;
}

bool json_emitter::write_str(PyObject* object) {
  Py_ssize_t length = 0;
  const char* text;
  if (PyUnicode_IS_COMPACT_ASCII(object)) {
    // ASCII: the characters are the UTF-8.
    text = static_cast<const char*>(PyUnicode_DATA(object));
    length = PyUnicode_GET_LENGTH(object);
  } else {
    // UTF-8 from the str (made once, cached inside it); fails on lone surrogates.
    text = PyUnicode_AsUTF8AndSize(object, &length);
    if (!text) return fail("cannot serialize str containing a lone surrogate to JSON");
  }
  // Room for the worst case (every byte a \u00XX), then one pass.
  char* out = room(std::size_t(length) * 6 + 2);
  char* start = out;
  *out++ = '"';
  const char* end = text + length;
  // Eight bytes at a time while none needs an escape (most text), then byte by byte.
  for (std::uint64_t word; end - text >= 8 && (std::memcpy(&word, text, 8), !needs_escape(word)); text += 8, out += 8)
    std::memcpy(out, text, 8);
  for (; text < end; ++text) {
    auto c = static_cast<unsigned char>(*text);
    char escape = c < 0x80 ? escapes[c] : 0;
    if (escape == 0) {
      *out++ = char(c);
    } else if (escape != 'u') {
      *out++ = '\\';
      *out++ = escape;
    } else {
      static constexpr char hex[] = "0123456789ABCDEF";
      out = std::copy_n("\\u00", 4, out);
      *out++ = hex[c >> 4];
      *out++ = hex[c & 0xf];
    }
  }
  *out++ = '"';
  used_ += std::size_t(out - start);
  return true;
}

bool json_emitter::write_dict(PyObject* object, std::size_t depth) {
  if (depth >= max_depth_) return fail("cannot serialize object nested deeper than % levels to JSON",
                                       std::to_string(max_depth_));
  put('{');
  Py_ssize_t position = 0;
  PyObject* key = nullptr;    // borrowed
  PyObject* value = nullptr;  // borrowed
  bool first = true;
  const Py_ssize_t size = PyDict_GET_SIZE(object);
  while (PyDict_Next(object, &position, &key, &value)) {
    if (!PyUnicode_Check(key))
      return fail("cannot serialize dict key of type '%' to JSON (keys must be str)", Py_TYPE(key)->tp_name);
    if (!first) put(',');
    first = false;
    if (!write_str(key)) return false;
    put(':');
    py_ref held_key = py_ref::borrow(key), held = py_ref::borrow(value);
    if (!write(value, depth + 1)) {
      where.insert(0, "." + std::string(PyUnicode_AsUTF8(key) ? PyUnicode_AsUTF8(key) : "?"));
      return false;
    }
    if (PyDict_GET_SIZE(object) != size) return fail("a dict changed size while it was serialized to JSON");
  }
  put('}');
  return true;
}

bool json_emitter::write_array(PyObject* object, std::size_t depth) {
  if (depth >= max_depth_) return fail("cannot serialize object nested deeper than % levels to JSON",
                                       std::to_string(max_depth_));
  put('[');
  // Lists and tuples alike: the PySequence_Fast macros read either in place
  // (the size read each time: Python code run meanwhile may change a list).
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(object); ++i) {
    if (i > 0) put(',');
    py_ref item = py_ref::borrow(PySequence_Fast_GET_ITEM(object, i));
    if (!write(item.get(), depth + 1)) {
      where.insert(0, "[" + std::to_string(i) + "]");
      return false;
    }
  }
  put(']');
  return true;
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
  json_emitter emitter(out, error, max_depth);
  if (emitter.write(object, 0)) return true;
  // Where the value at fault is (a path too deep to be worth printing is not).
  if (!emitter.where.empty() && !error.starts_with("cannot serialize object nested")) error += " at $" + emitter.where;
  return false;
}

void set_json_lowering(PyObject* lower) { lowering = lower; }

}  // namespace snasio::python
