// JSON text -> Python objects: RapidJSON's SAX reader drives a builder that
// creates each dict, list, str, int, float, bool and None as its event arrives.
#include "python/json_convert.hpp"

#include <rapidjson/allocators.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <memory_resource>
#include <string>
#include <vector>

namespace snasio::python {
namespace {

// Numbers arrive as their text (so integers of any size stay exact and floats
// are rounded once, correctly); every byte is checked to be valid UTF-8.
// Everything else stays RapidJSON's strict default: no NaN/Infinity, no
// comments, no trailing commas, nothing after the value.
constexpr unsigned parse_flags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseNumbersAsStringsFlag;

// RapidJSON's reader copies each string and number onto its own stack before
// handing it over. Serving that stack from a buffer on the C++ stack keeps a
// small document off the heap; a longer string spills into heap chunks.
constexpr std::size_t reader_scratch_bytes = 1024;

// The builder's stack of open containers, kept on the C++ stack up to this depth.
constexpr std::size_t inline_open_containers = default_max_json_depth;

// Said of 1e400: JSON has no infinity, and a float cannot hold the value.
constexpr std::string_view number_too_large = "number out of range (beyond about 1.8e308)";

using scratch_allocator = rapidjson::MemoryPoolAllocator<>;
using json_reader = rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, scratch_allocator>;

// Builds Python objects from the reader's events. The method names are
// RapidJSON's SAX handler concept; each returns false to stop the parse.
class python_builder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, python_builder> {
 public:
  python_builder(std::size_t max_depth, std::pmr::memory_resource* memory)
      : max_depth_(max_depth), open_(memory) {
    open_.reserve(std::min(max_depth, inline_open_containers));
  }

  bool Null() { return add(py_ref::borrow(Py_None)); }
  bool Bool(bool value) { return add(py_ref::borrow(value ? Py_True : Py_False)); }
  bool String(const char* text, rapidjson::SizeType length, bool /*copy*/) { return add(make_str(text, length)); }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    std::string_view number(text, length);
    bool is_float = number.find_first_of(".eE") != std::string_view::npos;
    return add(is_float ? make_float(number) : make_int(number));
  }
  bool Key(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    key_ = make_str(text, length);
    return key_ ? true : not_made();
  }
  bool StartObject() { return open(py_ref::steal(PyDict_New())); }
  bool StartArray() { return open(py_ref::steal(PyList_New(0))); }
  bool EndObject(rapidjson::SizeType /*members*/) { return close(); }
  bool EndArray(rapidjson::SizeType /*elements*/) { return close(); }

  // Int, Double and the rest: never called, numbers come through RawNumber.
  bool Default() { return fail("unexpected event"); }

  /// The finished value, once the whole document has been read.
  py_ref take_result() { return std::move(result_); }

  /// Why the builder stopped the parse (empty if it did not).
  std::string_view reason() const { return reason_; }

  /// True when the builder stopped the parse because of the depth limit.
  bool too_deep() const { return too_deep_; }

 private:
  py_ref make_str(const char* text, std::size_t length);
  py_ref make_int(std::string_view digits);
  py_ref make_float(std::string_view number);
  bool add(py_ref value);
  bool open(py_ref container);
  bool close();
  bool not_made();
  bool fail(std::string_view reason);

  std::size_t max_depth_;
  // Borrowed: each open container is owned by its parent (the root by result_),
  // and nothing can drop it while it is open.
  std::pmr::vector<PyObject*> open_;
  py_ref key_;     // The key waiting for its value in the innermost dict.
  py_ref result_;  // The root value.
  std::string_view reason_;
  bool too_deep_ = false;
};

// Records why the parse stops, and clears any Python exception behind it:
// callers get a reason string, never a pending exception.
bool python_builder::fail(std::string_view reason) {
  PyErr_Clear();
  reason_ = reason;
  return false;
}

py_ref python_builder::make_str(const char* text, std::size_t length) {
  // The reader has validated the input bytes, but an escaped lone low
  // surrogate ("\udc00") decodes to bytes that are not UTF-8. Python's json
  // module would accept it; we refuse it, as nothing could write it back out.
  py_ref str = py_ref::steal(PyUnicode_FromStringAndSize(text, static_cast<Py_ssize_t>(length)));
  if (!str && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) fail("string contains a lone surrogate escape");
  return str;
}

py_ref python_builder::make_int(std::string_view digits) {
  // Fast path: almost every integer fits in 64 bits.
  long long value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc() && end == digits.data() + digits.size())
    return py_ref::steal(PyLong_FromLongLong(value));
  // Any other size: Python parses the digits itself (needs a terminating NUL).
  // Python refuses more than sys.get_int_max_str_digits() digits (4300 by
  // default), a guard against quadratic-time conversion; so do we.
  std::string terminated(digits);
  py_ref big = py_ref::steal(PyLong_FromString(terminated.c_str(), nullptr, 10));
  if (!big) fail("integer has more digits than Python converts (sys.get_int_max_str_digits())");
  return big;
}

py_ref python_builder::make_float(std::string_view number) {
  // std::from_chars rounds correctly, so it gives exactly the double that
  // Python's float() gives for the same text.
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // Underflow (1e-400) is 0.0 for Python; overflow (1e400) would be inf,
    // which JSON cannot express, so it is refused. Let Python decide which.
    std::string terminated(number);
    value = PyOS_string_to_double(terminated.c_str(), nullptr, nullptr);
    if (PyErr_Occurred()) {
      fail("number is not a valid float");
      return {};
    }
    if (std::isinf(value)) {
      fail(number_too_large);
      return {};
    }
  } else if (ec != std::errc() || end != number.data() + number.size()) {
    fail("number is not a valid float");
    return {};
  }
  return py_ref::steal(PyFloat_FromDouble(value));
}

// A value could not be made: make_* may have said why already; if not, the
// CPython call behind it ran out of memory.
bool python_builder::not_made() {
  return reason_.empty() ? fail("out of memory") : false;
}

// Attaches a finished value to the innermost open container, or makes it the
// root. Containers are attached when they open, so closing one is just a pop.
bool python_builder::add(py_ref value) {
  if (!value) return not_made();
  if (open_.empty()) {
    result_ = std::move(value);
    return true;
  }
  PyObject* parent = open_.back();
  if (PyList_CheckExact(parent)) {
    if (PyList_Append(parent, value.get()) != 0) return fail("out of memory");
    return true;
  }
  // Duplicate keys: the last one wins, as with Python's json module.
  if (PyDict_SetItem(parent, key_.get(), value.get()) != 0) return fail("out of memory");
  key_.reset();
  return true;
}

bool python_builder::open(py_ref container) {
  if (open_.size() >= max_depth_) {
    too_deep_ = true;
    return fail("nested too deep");
  }
  PyObject* borrowed = container.get();
  if (!add(std::move(container))) return false;
  open_.push_back(borrowed);
  return true;
}

bool python_builder::close() {
  open_.pop_back();
  return true;
}

// "Missing a comma or ']' after an array element." -> "missing a comma or ']'
// after an array element", so every reason reads the same way.
std::string_view rapidjson_reason(rapidjson::ParseErrorCode code, std::string& storage) {
  // RapidJSON 1.1.0 checks every number against the double range, even in
  // numbers-as-strings mode: an integer literal beyond about 1.8e308 (309+
  // digits) is refused here too, though a Python int could hold it.
  if (code == rapidjson::kParseErrorNumberTooBig) return number_too_large;
  storage = rapidjson::GetParseError_En(code);
  if (!storage.empty()) storage[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(storage[0])));
  if (!storage.empty() && storage.back() == '.') storage.pop_back();
  return storage;
}

void set_error(std::string& error, std::size_t offset, std::string_view reason) {
  error = "invalid JSON at offset ";
  error += std::to_string(offset);
  error += ": ";
  error += reason;
}

}  // namespace

py_ref json_to_python(std::string_view text, std::string& error, std::size_t max_depth) {
  alignas(std::max_align_t) std::array<std::byte, reader_scratch_bytes> reader_scratch;
  scratch_allocator reader_memory(reader_scratch.data(), reader_scratch.size());
  std::array<PyObject*, inline_open_containers> builder_scratch;
  std::pmr::monotonic_buffer_resource builder_memory(builder_scratch.data(), sizeof builder_scratch);

  json_reader reader(&reader_memory);
  python_builder builder(max_depth, &builder_memory);
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::ParseResult result = reader.Parse<parse_flags>(stream, builder);

  if (builder.too_deep()) {
    error = "JSON nested deeper than " + std::to_string(max_depth) + " levels";
    return {};
  }
  if (result.IsError()) {
    std::string storage;
    std::string_view reason = result.Code() == rapidjson::kParseErrorTermination
                                  ? builder.reason()
                                  : rapidjson_reason(result.Code(), storage);
    set_error(error, result.Offset(), reason);
    return {};
  }
  // The stream reports a NUL byte as its end, so "1\0junk" reads as "1":
  // make sure the reader really consumed all of the text.
  if (stream.Tell() != text.size()) {
    set_error(error, stream.Tell(), "unexpected NUL byte after the value");
    return {};
  }
  return builder.take_result();
}

}  // namespace snasio::python
