#include "http/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace snasio::http {
namespace {

constexpr unsigned char continuation_low = 0x80;
constexpr unsigned char continuation_high = 0xBF;
constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::uint64_t ascii_high_bits = 0x8080808080808080;  // the top bit of eight bytes

/// The shape of a sequence as announced by its lead byte.
struct lead_info {
  std::size_t length;       ///< 0 for a byte that cannot start a sequence
  unsigned char second_lo;  ///< the allowed range of the second byte
  unsigned char second_hi;
};

// The second byte's range is what rules out overlongs (E0, F0), surrogates (ED)
// and code points past U+10FFFF (F4): Unicode's table 3-7 of well-formed sequences.
lead_info classify(unsigned char lead) {
  if (lead < 0x80) return {1, 0, 0};
  if (lead < 0xC2) return {0, 0, 0};  // a stray continuation byte or an overlong C0/C1
  if (lead < 0xE0) return {2, continuation_low, continuation_high};
  if (lead == 0xE0) return {3, 0xA0, continuation_high};
  if (lead == 0xED) return {3, continuation_low, 0x9F};
  if (lead < 0xF0) return {3, continuation_low, continuation_high};
  if (lead == 0xF0) return {4, 0x90, continuation_high};
  if (lead < 0xF4) return {4, continuation_low, continuation_high};
  if (lead == 0xF4) return {4, continuation_low, 0x8F};
  return {0, 0, 0};
}

/// How many bytes from `pos` form a well-formed prefix of the sequence starting there.
/// Equals info.length when the whole sequence is well formed.
std::size_t valid_prefix(std::string_view text, std::size_t pos, const lead_info& info) {
  std::size_t taken = 1;
  for (; taken < info.length && pos + taken < text.size(); ++taken) {
    auto byte = static_cast<unsigned char>(text[pos + taken]);
    unsigned char lo = taken == 1 ? info.second_lo : continuation_low;
    unsigned char hi = taken == 1 ? info.second_hi : continuation_high;
    if (byte < lo || byte > hi) break;
  }
  return taken;
}

}  // namespace

std::size_t utf8_sequence(std::string_view text, std::size_t pos) {
  auto info = classify(static_cast<unsigned char>(text[pos]));
  return info.length != 0 && valid_prefix(text, pos, info) == info.length ? info.length : 0;
}

bool is_valid_utf8(std::string_view text) {
  // Paths are nearly always ASCII: skip eight ASCII bytes at a time first.
  std::size_t pos = 0;
  for (std::uint64_t word = 0; pos + sizeof word <= text.size(); pos += sizeof word) {
    std::memcpy(&word, text.data() + pos, sizeof word);
    if (word & ascii_high_bits) break;
  }
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    std::size_t n = utf8_sequence(text, pos);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

// CPython replaces the "maximal subpart" of an ill-formed sequence (the longest
// well-formed prefix, or one byte) by a single U+FFFD, as Unicode recommends;
// matching that keeps our parameters identical to what werkzeug sees.
std::string replace_invalid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + replacement_character.size());
  for (std::size_t pos = 0; pos < text.size();) {
    auto info = classify(static_cast<unsigned char>(text[pos]));
    std::size_t taken = info.length == 0 ? 1 : valid_prefix(text, pos, info);
    if (taken == info.length)
      out.append(text.substr(pos, taken));
    else
      out.append(replacement_character);
    pos += taken;
  }
  return out;
}

void append_utf8(std::string& out, char32_t code_point) {
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

std::size_t next_code_point(std::string_view text, std::size_t pos) {
  for (++pos; pos < text.size(); ++pos)
    if ((static_cast<unsigned char>(text[pos]) & 0xC0) != continuation_low) break;
  return pos;
}

std::size_t previous_code_point(std::string_view text, std::size_t pos) {
  for (--pos; pos > 0; --pos)
    if ((static_cast<unsigned char>(text[pos]) & 0xC0) != continuation_low) break;
  return pos;
}

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != continuation_low) ++count;
  return count;
}

}  // namespace snasio::http
