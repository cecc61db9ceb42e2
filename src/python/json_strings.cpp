// JSON strings: the reader's text, checked and decoded (json_reader.hpp).
#include <string>

#include "http/utf8.hpp"
#include "python/json_reader.hpp"

namespace snasio::python::json {

py_ref reader::string(bool is_key) {
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
  py_ref str = py_ref::steal(bytes.size() == 1 ? PyUnicode_FromOrdinal(static_cast<unsigned char>(bytes[0]))
                                                : PyUnicode_New(Py_ssize_t(bytes.size()), 127));
  if (!str) return fail(start, out_of_memory);
  if (bytes.size() > 1) std::copy(bytes.begin(), bytes.end(), static_cast<char*>(PyUnicode_DATA(str.get())));
  if (is_key && intern_keys_) {
    PyObject* key = str.release();
    PyUnicode_InternInPlace(&key);
    str = py_ref::steal(key);
  }
  if (is_key) remember(bytes, str.get());
  return str;
}

// The rest of a string that has escapes, non-ASCII bytes or a fault, decoded
// into scratch_ from `start` (just past its opening quote).
py_ref reader::decode_string(std::size_t start) {
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
      std::size_t n = http::utf8_sequence(text_, pos_);
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
bool reader::escape(std::string& out) {
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
  http::append_utf8(out, code_point);
  return true;
}

}  // namespace snasio::python::json
