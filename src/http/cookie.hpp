#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace snasio::http {

/// The (name, value) pairs of a Cookie header ("a=1; b=\"x y\""), in order,
/// values unquoted as Python's http.cookies quotes them: the quotes
/// dropped, "\\\"" and "\\\\" undone, "\\ooo" read as the octal byte.
std::vector<std::pair<std::string, std::string>> cookie_pairs(std::string_view header);

}  // namespace snasio::http
