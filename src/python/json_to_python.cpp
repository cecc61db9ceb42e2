// JSON text -> Python objects: a strict reader of RFC 8259 that creates each
// dict, list, str, int, float, bool and None as it reads, in one pass.
//
// Strict means: no NaN or Infinity, no comments, no trailing commas, no
// leading zeros, nothing after the value, strings of well-formed UTF-8 with
// no raw control characters and no lone surrogates. Integers of any size stay
// exact (up to Python's own digit limit), floats are rounded once, correctly.
#include "python/json_convert.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "python/json_reader.hpp"

namespace snasio::python {
namespace json {

py_ref reader::document() {
  skip_space();
  if (at_end()) return fail(pos_, "the document is empty");
  py_ref root = value(0);
  if (!root) return {};
  skip_space();
  if (at_end()) return root;
  return fail(pos_, peek() == '\0' ? "unexpected NUL byte after the value"
                                   : "the document root must not be followed by other values");
}

py_ref reader::value(std::size_t depth) {
  switch (peek()) {
    case '{': return object(depth);
    case '[': return array(depth);
    case '"': return string(false);
    case 't': return literal("true", Py_True);
    case 'f': return literal("false", Py_False);
    case 'n': return literal("null", Py_None);
    default:
      if (peek() == '-' || is_digit(peek())) return number();
      return fail(pos_, "invalid value");
  }
}

py_ref reader::literal(std::string_view word, PyObject* object) {
  if (text_.substr(pos_, word.size()) != word) return fail(pos_, "invalid value");
  pos_ += word.size();
  return py_ref::borrow(object);
}

py_ref reader::object(std::size_t depth) {
  if (depth >= max_depth_) {
    too_deep_ = true;
    return fail(pos_, "nested too deep");
  }
  py_ref dict = py_ref::steal(PyDict_New());
  if (!dict) return fail(pos_, out_of_memory);
  ++pos_;  // '{'
  skip_space();
  if (peek() == '}') {
    ++pos_;
    return dict;
  }
  for (;;) {
    if (peek() != '"') return fail(pos_, "missing a name for object member");
    py_ref key = string(true);
    if (!key) return {};
    skip_space();
    if (peek() != ':') return fail(pos_, "missing a colon after a name of object member");
    ++pos_;
    skip_space();
    py_ref item = value(depth + 1);
    if (!item) return {};
    // Duplicate keys: the last one wins, as with Python's json module.
    if (PyDict_SetItem(dict.get(), key.get(), item.get()) != 0) return fail(pos_, out_of_memory);
    skip_space();
    if (peek() == '}') {
      ++pos_;
      return dict;
    }
    if (peek() != ',') return fail(pos_, "missing a comma or '}' after an object member");
    ++pos_;
    skip_space();
  }
}

py_ref reader::array(std::size_t depth) {
  if (depth >= max_depth_) {
    too_deep_ = true;
    return fail(pos_, "nested too deep");
  }
  py_ref list = py_ref::steal(PyList_New(0));
  if (!list) return fail(pos_, out_of_memory);
  ++pos_;  // '['
  skip_space();
  if (peek() == ']') {
    ++pos_;
    return list;
  }
  for (;;) {
    py_ref item = value(depth + 1);
    if (!item) return {};
    if (PyList_Append(list.get(), item.get()) != 0) return fail(pos_, out_of_memory);
    skip_space();
    if (peek() == ']') {
      ++pos_;
      return list;
    }
    if (peek() != ',') return fail(pos_, "missing a comma or ']' after an array element");
    ++pos_;
    skip_space();
  }
}

py_ref reader::number() {
  std::size_t start = pos_;
  if (peek() == '-') ++pos_;
  if (peek() == '0') {
    ++pos_;  // a leading zero stands alone: "01" is 0 and then a stray 1
  } else if (is_digit(peek())) {
    while (is_digit(peek())) ++pos_;
  } else {
    return fail(pos_, "invalid value");
  }
  bool is_float = false;
  if (peek() == '.') {
    is_float = true;
    ++pos_;
    if (!is_digit(peek())) return fail(pos_, "missing digits after the decimal point in number");
    while (is_digit(peek())) ++pos_;
  }
  if (peek() == 'e' || peek() == 'E') {
    is_float = true;
    ++pos_;
    if (peek() == '+' || peek() == '-') ++pos_;
    if (!is_digit(peek())) return fail(pos_, "missing digits in the exponent of number");
    while (is_digit(peek())) ++pos_;
  }
  std::string_view token = text_.substr(start, pos_ - start);
  if (!is_float) {
    if (token.size() - (token[0] == '-') <= fast_int_digits) {
      long long value = 0;
      std::from_chars(token.data(), token.data() + token.size(), value);
      return py_ref::steal(PyLong_FromLongLong(value));
    }
    // Any other size: Python parses the digits itself (needs a terminating NUL).
    // Python refuses more than sys.get_int_max_str_digits() digits (4300 by
    // default), a guard against quadratic-time conversion; so do we.
    std::string digits(token);
    py_ref big = py_ref::steal(PyLong_FromString(digits.c_str(), nullptr, 10));
    if (!big) return fail(start, "integer has more digits than Python converts (sys.get_int_max_str_digits())");
    return big;
  }
  // std::from_chars rounds correctly, so it gives exactly the double that
  // Python's float() gives for the same text.
  double value = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // Underflow (1e-400) is 0.0 for Python; overflow (1e400) would be inf,
    // which JSON cannot express, so it is refused. Let Python decide which.
    std::string terminated(token);
    value = PyOS_string_to_double(terminated.c_str(), nullptr, nullptr);
    if (PyErr_Occurred()) return fail(start, "number is not a valid float");
    if (std::isinf(value)) return fail(start, number_too_large);
  } else if (ec != std::errc() || end != token.data() + token.size()) {
    return fail(start, "number is not a valid float");
  }
  return py_ref::steal(PyFloat_FromDouble(value));
}

std::size_t key_slot(std::string_view bytes) {
  if (bytes.empty()) return 0;
  return (bytes.size() * 31 + static_cast<unsigned char>(bytes.front()) * 7 + static_cast<unsigned char>(bytes.back())) %
         remembered_keys;
}

py_ref reader::remembered(std::string_view bytes) {
  const auto& [known, key] = keys_[key_slot(bytes)];
  return key && known == bytes ? py_ref::borrow(key.get()) : py_ref{};
}

void reader::remember(std::string_view bytes, PyObject* key) {
  // The bytes live in the str itself (ASCII: its data is its UTF-8).
  std::string_view own(static_cast<const char*>(PyUnicode_DATA(key)), bytes.size());
  keys_[key_slot(bytes)] = {own, py_ref::borrow(key)};
}

void set_error(std::string& error, std::size_t offset, std::string_view reason) {
  error = "invalid JSON at offset ";
  error += std::to_string(offset);
  error += ": ";
  error += reason;
}

}  // namespace json

py_ref json_to_python(std::string_view text, std::string& error, std::size_t max_depth, bool intern_keys) {
  json::reader reader(text, max_depth, intern_keys);
  py_ref value = reader.document();
  if (value) return value;
  // Running out of memory is the server's trouble, not the client's JSON.
  if (reader.reason() == json::out_of_memory) return PyErr_NoMemory(), py_ref{};
  if (reader.too_deep())
    error = "JSON nested deeper than " + std::to_string(max_depth) + " levels";
  else
    json::set_error(error, reader.error_offset(), reader.reason());
  return {};
}

}  // namespace snasio::python
