#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace snasio::http {

/// One part of a multipart/form-data body (RFC 7578): a form field, or a
/// file when it has a filename.
struct form_part {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;  ///< as sent; empty when the part has none
  std::string_view data;     ///< a view into the body
  std::string_view head;     ///< the part's header lines, as sent (a view into the body)
};

/// Splits a multipart/form-data `body` whose Content-Type named `boundary`.
/// False, with `error` saying why (for a 400), when it is not well formed:
/// no boundary line, a part without `Content-Disposition: form-data; name=`,
/// malformed part headers, or no closing boundary. The preamble and the
/// epilogue are ignored, as RFC 2046 says. It stops at the part past
/// `max_parts` (false, `parts` holding max_parts + 1).
bool parse_multipart(std::string_view body, std::string_view boundary, std::vector<form_part>& parts,
                     std::string& error, std::size_t max_parts = std::size_t(-1));

}  // namespace snasio::http
