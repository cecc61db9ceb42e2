// JSON text -> Python objects: a strict reader of RFC 8259 that creates each
// dict, list, str, int, float, bool and None as it reads, in one pass.
//
// Strict means: no NaN or Infinity, no comments, no trailing commas, no
// leading zeros, nothing after the value, strings of well-formed UTF-8 with
// no raw control characters and no lone surrogates. Integers of any size stay
// exact (up to Python's own digit limit), floats are rounded once, correctly.
#include "python/json_convert.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>

namespace snasio::python {
namespace {

// A Python allocation failed: the request is not at fault (see json_to_python).
constexpr std::string_view out_of_memory = "out of memory";
// Said of 1e400: JSON has no infinity, and a float cannot hold the value.
constexpr std::string_view number_too_large = "number out of range (beyond about 1.8e308)";

// The reader remembers keys in this many slots, each chosen by a key's length
// and first and last bytes: objects in an array repeat the same keys, and
// reusing one str (its hash computed once) spares making it again, as Python's
// json module does with its memo. A key looks in one slot only.
constexpr std::size_t remembered_keys = 64;

// Integers of up to 18 digits fit a long long; longer ones go to Python.
constexpr std::size_t fast_int_digits = 18;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The length of the well-formed UTF-8 sequence at the start of `s`, or 0.
// The second byte's range rules out overlongs (E0, F0), surrogates (ED) and
// code points past U+10FFFF (F4): Unicode's table 3-7.
std::size_t utf8_sequence(std::string_view s) {
  auto byte = [&](std::size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
  unsigned lead = byte(0);
  std::size_t length = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
  if (length == 0) return 0;
  unsigned lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
  unsigned hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
  if (byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return length;
}

void append_utf8(std::string& out, unsigned code_point) {
  if (code_point < 0x80) {
    out += char(code_point);
  } else if (code_point < 0x800) {
    out += char(0xC0 | (code_point >> 6));
    out += char(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += char(0xE0 | (code_point >> 12));
    out += char(0x80 | ((code_point >> 6) & 0x3F));
    out += char(0x80 | (code_point & 0x3F));
  } else {
    out += char(0xF0 | (code_point >> 18));
    out += char(0x80 | ((code_point >> 12) & 0x3F));
    out += char(0x80 | ((code_point >> 6) & 0x3F));
    out += char(0x80 | (code_point & 0x3F));
  }
}

// Reads one JSON document. Each method starts at the first byte of what it
// reads and leaves pos_ just past it; a failure records where and why and
// returns an empty py_ref, with no Python exception left set.
class json_reader {
 public:
  json_reader(std::string_view text, std::size_t max_depth) : text_(text), max_depth_(max_depth) {}

  py_ref document();
  /// Where the text was refused, and why ("invalid value").
  std::size_t error_offset() const { return error_at_; }
  std::string_view reason() const { return reason_; }
  bool too_deep() const { return too_deep_; }

 private:
  py_ref value(std::size_t depth);
  py_ref object(std::size_t depth);
  py_ref array(std::size_t depth);
  py_ref string(bool is_key);
  py_ref decode_string(std::size_t start);
  bool escape(std::string& out);
  py_ref number();
  py_ref literal(std::string_view word, PyObject* object);
  py_ref remembered(std::string_view bytes);
  void remember(std::string_view bytes, PyObject* key);

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool at_end() const { return pos_ >= text_.size(); }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t'))
      ++pos_;
  }
  py_ref fail(std::size_t at, std::string_view reason) {
    refuse(at, reason);
    return {};
  }
  bool refuse(std::size_t at, std::string_view reason) {
    if (PyErr_Occurred() && PyErr_ExceptionMatches(PyExc_MemoryError)) reason = out_of_memory;
    PyErr_Clear();
    if (reason_.empty()) {
      error_at_ = at;
      reason_ = reason;
    }
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t max_depth_;
  std::string scratch_;  // a string with escapes or non-ASCII bytes, decoded
  std::array<std::pair<std::string_view, py_ref>, remembered_keys> keys_;  // recent keys, by their bytes
  std::size_t error_at_ = 0;
  std::string_view reason_;
  bool too_deep_ = false;
};

py_ref json_reader::document() {
  skip_space();
  if (at_end()) return fail(pos_, "the document is empty");
  py_ref root = value(0);
  if (!root) return {};
  skip_space();
  if (at_end()) return root;
  return fail(pos_, peek() == '\0' ? "unexpected NUL byte after the value"
                                   : "the document root must not be followed by other values");
}

py_ref json_reader::value(std::size_t depth) {
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

py_ref json_reader::literal(std::string_view word, PyObject* object) {
  if (text_.substr(pos_, word.size()) != word) return fail(pos_, "invalid value");
  pos_ += word.size();
  return py_ref::borrow(object);
}

py_ref json_reader::object(std::size_t depth) {
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

py_ref json_reader::array(std::size_t depth) {
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

py_ref json_reader::string(bool is_key) {
  std::size_t start = ++pos_;  // past '"'
  // The usual string: ASCII with nothing to unescape, copied as it stands.
  while (pos_ < text_.size()) {
    auto c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
    ++pos_;
  }
  if (peek() != '"') return decode_string(start);
  std::string_view bytes = text_.substr(start, pos_ - start);
  ++pos_;  // '"'
  if (is_key)
    if (py_ref known = remembered(bytes)) return known;
  // Python keeps one str of each ASCII character: share it.
  if (bytes.size() == 1) return py_ref::steal(PyUnicode_FromOrdinal(static_cast<unsigned char>(bytes[0])));
  py_ref str = py_ref::steal(PyUnicode_New(Py_ssize_t(bytes.size()), 127));
  if (!str) return fail(start, out_of_memory);
  std::copy(bytes.begin(), bytes.end(), static_cast<char*>(PyUnicode_DATA(str.get())));
  if (is_key) remember(bytes, str.get());
  return str;
}

// The rest of a string that has escapes, non-ASCII bytes or a fault, decoded
// into scratch_ from `start` (just past its opening quote).
py_ref json_reader::decode_string(std::size_t start) {
  scratch_.assign(text_.substr(start, pos_ - start));
  for (;;) {
    if (at_end()) return fail(pos_, "missing a closing quotation mark in string");
    auto c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') break;
    if (c == '\\') {
      if (!escape(scratch_)) return {};
    } else if (c < 0x20) {
      return fail(pos_, "control character in string (it must be escaped)");
    } else if (c < 0x80) {
      scratch_ += char(c);
      ++pos_;
    } else {
      std::size_t n = utf8_sequence(text_.substr(pos_));
      if (n == 0) return fail(pos_, "invalid encoding in string");
      scratch_.append(text_.substr(pos_, n));
      pos_ += n;
    }
  }
  ++pos_;  // '"'
  py_ref str = py_ref::steal(PyUnicode_DecodeUTF8(scratch_.data(), Py_ssize_t(scratch_.size()), nullptr));
  if (!str) return fail(start, out_of_memory);
  return str;
}

// One escape sequence at pos_ (its backslash), appended as UTF-8.
bool json_reader::escape(std::string& out) {
  std::size_t at = pos_;
  char e = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  pos_ += 2;
  switch (e) {
    case '"': out += '"'; return true;
    case '\\': out += '\\'; return true;
    case '/': out += '/'; return true;
    case 'b': out += '\b'; return true;
    case 'f': out += '\f'; return true;
    case 'n': out += '\n'; return true;
    case 'r': out += '\r'; return true;
    case 't': out += '\t'; return true;
    case 'u': break;
    default: return refuse(at, "invalid escape character in string");
  }
  auto hex4 = [&](unsigned& value) {
    value = 0;
    for (int i = 0; i < 4; ++i) {
      int digit = hex_value(pos_ < text_.size() ? text_[pos_] : '\0');
      if (digit < 0) return false;
      value = value * 16 + unsigned(digit);
      ++pos_;
    }
    return true;
  };
  unsigned code_point;
  if (!hex4(code_point)) return refuse(pos_, "incorrect hex digit after \\u escape in string");
  if (code_point >= 0xDC00 && code_point <= 0xDFFF) return refuse(at, "string contains a lone surrogate escape");
  if (code_point >= 0xD800 && code_point <= 0xDBFF) {
    // A high surrogate must be followed by \u and a low one: together, one code point.
    unsigned low;
    if (text_.substr(pos_, 2) != "\\u") return refuse(at, "the surrogate pair in string is invalid");
    pos_ += 2;
    if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return refuse(at, "the surrogate pair in string is invalid");
    code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
  }
  append_utf8(out, code_point);
  return true;
}

py_ref json_reader::number() {
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

py_ref json_reader::remembered(std::string_view bytes) {
  const auto& [known, key] = keys_[key_slot(bytes)];
  return key && known == bytes ? py_ref::borrow(key.get()) : py_ref{};
}

void json_reader::remember(std::string_view bytes, PyObject* key) {
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

}  // namespace

py_ref json_to_python(std::string_view text, std::string& error, std::size_t max_depth) {
  json_reader reader(text, max_depth);
  py_ref value = reader.document();
  if (value) return value;
  // Running out of memory is the server's trouble, not the client's JSON.
  if (reader.reason() == out_of_memory) return PyErr_NoMemory(), py_ref{};
  if (reader.too_deep())
    error = "JSON nested deeper than " + std::to_string(max_depth) + " levels";
  else
    set_error(error, reader.error_offset(), reader.reason());
  return {};
}

}  // namespace snasio::python
