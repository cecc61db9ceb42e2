#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace snasio::validation {

// Text as the checks read it: its length in code points, and read as the
// numbers and booleans pydantic reads from a string ("0123" is 123, "7.0"
// is 7, "yes" is true).
std::size_t code_points(std::string_view s);
bool text_to_integer(std::string_view s, std::int64_t& out);
bool text_to_number(std::string_view s, double& out);
bool text_to_boolean(std::string_view s, bool& out);
/// "3 characters", "1 character".
std::string plural(std::size_t n, std::string_view word);

}  // namespace snasio::validation
