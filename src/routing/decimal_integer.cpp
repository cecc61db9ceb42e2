#include "routing/decimal_integer.hpp"

namespace snasio::routing {

std::string canonical_integer(std::string_view digits) {
  bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  auto first_significant = digits.find_first_not_of('0');
  // All zeros (or nothing) is zero, and zero has no sign: Python's int("-00") is 0.
  if (first_significant == std::string_view::npos) return "0";
  std::string out = negative ? "-" : "";
  out.append(digits.substr(first_significant));
  return out;
}

// Canonical texts compare by sign, then by length (no leading zeros), then digit
// by digit: no conversion, so integers past 64 bits compare exactly.
int compare_integers(std::string_view a, std::string_view b) {
  bool a_negative = a.starts_with('-');
  bool b_negative = b.starts_with('-');
  if (a_negative != b_negative) return a_negative ? -1 : 1;
  int magnitude = 0;
  if (a.size() != b.size())
    magnitude = a.size() < b.size() ? -1 : 1;
  else
    magnitude = a.compare(b) < 0 ? -1 : (a.compare(b) > 0 ? 1 : 0);
  return a_negative ? -magnitude : magnitude;
}

}  // namespace snasio::routing
