// The reader json_to_python() runs (json_convert.hpp): its structure is
// read in json_to_python.cpp, its strings in json_strings.cpp. Internal to
// those two files.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "python/py_ref.hpp"

namespace snasio::python::json {

// A Python allocation failed: the request is not at fault (see json_to_python).
inline constexpr std::string_view out_of_memory = "out of memory";
// Said of 1e400: JSON has no infinity, and a float cannot hold the value.
inline constexpr std::string_view number_too_large = "number out of range (beyond about 1.8e308)";

// The reader remembers keys in this many slots, each chosen by a key's length
// and first and last bytes: objects in an array repeat the same keys, and
// reusing one str (its hash computed once) spares making it again, as Python's
// json module does with its memo. A key looks in one slot only.
inline constexpr std::size_t remembered_keys = 64;

// Integers of up to 18 digits fit a long long; longer ones go to Python.
inline constexpr std::size_t fast_int_digits = 18;

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads one JSON document. Each method starts at the first byte of what it
// reads and leaves pos_ just past it; a failure records where and why and
// returns an empty py_ref, with no Python exception left set.
class reader {
 public:
  reader(std::string_view text, std::size_t max_depth, bool intern_keys)
      : text_(text), max_depth_(max_depth), intern_keys_(intern_keys) {}

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
  bool intern_keys_;
  std::string scratch_;  // a string with escapes or non-ASCII bytes, decoded
  std::array<std::pair<std::string_view, py_ref>, remembered_keys> keys_;  // recent keys, by their bytes
  std::size_t error_at_ = 0;
  std::string_view reason_;
  bool too_deep_ = false;
};

}  // namespace snasio::python::json
