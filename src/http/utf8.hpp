#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace snasio::http {

// Well-formed UTF-8, as Unicode's table 3-7 defines it: no overlongs, no
// surrogates, nothing past U+10FFFF. Paths, queries and JSON text are checked
// and decoded by these, and only these.

/// True when `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

/// The length of the well-formed sequence that starts at `pos` (1 for ASCII),
/// or 0 when the bytes there are not one.
std::size_t utf8_sequence(std::string_view text, std::size_t pos);

/// Appends the UTF-8 encoding of `code_point` (at most U+10FFFF, no surrogate).
void append_utf8(std::string& out, char32_t code_point);

/// Replaces each ill-formed sequence by U+FFFD as Python's `bytes.decode("utf-8", "replace")`.
std::string replace_invalid_utf8(std::string_view text);

/// The offset just past the code point that starts at `pos` (well-formed UTF-8 assumed).
std::size_t next_code_point(std::string_view text, std::size_t pos);

/// The offset of the code point that ends at `pos` (well-formed UTF-8 assumed, pos > 0).
std::size_t previous_code_point(std::string_view text, std::size_t pos);

/// The number of code points in well-formed UTF-8 `text`.
std::size_t count_code_points(std::string_view text);

}  // namespace snasio::http
