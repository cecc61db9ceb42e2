// Which bytes JSON text escapes: one at a time, or eight at once.
#pragma once

#include <array>
#include <cstdint>

namespace snasio::python {

/// The escape of each ASCII byte in a JSON string: 0 for none, 'u' for
/// \u00XX, else the letter after the backslash.
constexpr std::array<char, 128> escapes = [] {
  std::array<char, 128> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 'u';
  table['\b'] = 'b';
  table['\t'] = 't';
  table['\n'] = 'n';
  table['\f'] = 'f';
  table['\r'] = 'r';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}();

/// Whether any of the eight bytes in `w` needs an escape in JSON: a control
/// character (below 0x20), '"' or '\\' (bytes from 0x80 are UTF-8, kept as
/// they are). Each test is the "has a byte less than n" bit trick, exact for
/// n <= 0x80: only a byte below n can borrow into its own top bit.
constexpr bool needs_escape(std::uint64_t w) {
  constexpr std::uint64_t ones = 0x0101010101010101, tops = 0x8080808080808080;
  auto has_below = [&](std::uint64_t x, std::uint64_t n) { return (x - ones * n) & ~x & tops; };
  return (has_below(w, 0x20) | has_below(w ^ (ones * '"'), 1) | has_below(w ^ (ones * '\\'), 1)) != 0;
}

// Eight bytes as one word, the first lowest, as memcpy reads them on x86-64 (for the checks below).
constexpr std::uint64_t word_of(const char (&b)[9]) {
  std::uint64_t w = 0;
  for (int i = 7; i >= 0; --i) w = w << 8 | static_cast<unsigned char>(b[i]);
  return w;
}
static_assert(!needs_escape(word_of("Hello, \x7f")) && !needs_escape(word_of("caf\xc3\xa9 \xff~")));
static_assert(needs_escape(word_of("abcdefg\"")) && needs_escape(word_of("\\bcdefgh")) &&
              needs_escape(word_of("abc\x1f\xff\xffgh")) && needs_escape(word_of("\x01\x80\x80\x80\x80\x80\x80\x80")));

}  // namespace snasio::python
