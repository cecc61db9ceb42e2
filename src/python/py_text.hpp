// Text between C++ bytes and Python str, each conversion stated once.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

#include "python/py_ref.hpp"

namespace snasio::python {

/// Copies the UTF-8 encoding of the str `s` into `out`; false with a Python
/// exception set when it has none (lone surrogates).
inline bool utf8(PyObject* s, std::string& out) {
  Py_ssize_t n = 0;
  const char* c = PyUnicode_AsUTF8AndSize(s, &n);
  if (!c) return false;
  out.assign(c, std::size_t(n));
  return true;
}

/// A str from bytes that should be UTF-8, with U+FFFD where they are not
/// (paths and query strings are percent-decoded bytes, not always UTF-8).
inline py_ref text(std::string_view s) {
  return py_ref::steal(PyUnicode_DecodeUTF8(s.data(), Py_ssize_t(s.size()), "replace"));
}

/// A str from bytes known to be ASCII (a request id: safe characters only),
/// copied without the scan a decoder makes.
inline py_ref ascii(std::string_view s) {
  py_ref str = py_ref::steal(PyUnicode_New(Py_ssize_t(s.size()), 127));
  if (str) std::memcpy(PyUnicode_1BYTE_DATA(str.get()), s.data(), s.size());
  return str;
}

/// A str from header bytes: HTTP treats them as opaque octets, and Latin-1
/// maps each byte to one code point and never fails (as WSGI and ASGI do).
inline py_ref latin1(std::string_view s) {
  return py_ref::steal(PyUnicode_DecodeLatin1(s.data(), Py_ssize_t(s.size()), nullptr));
}

}  // namespace snasio::python
