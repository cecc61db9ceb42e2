#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace snasio::routing {

/// True when `text` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// Replaces each ill-formed sequence by U+FFFD as Python's `bytes.decode("utf-8", "replace")`.
std::string replace_invalid_utf8(std::string_view text);

/// The offset just past the code point that starts at `pos` (well-formed UTF-8 assumed).
std::size_t next_code_point(std::string_view text, std::size_t pos);

/// The offset of the code point that ends at `pos` (well-formed UTF-8 assumed, pos > 0).
std::size_t previous_code_point(std::string_view text, std::size_t pos);

/// The number of code points in well-formed UTF-8 `text`.
std::size_t count_code_points(std::string_view text);

}  // namespace snasio::routing
