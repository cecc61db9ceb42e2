#include "http/multipart.hpp"

#include <algorithm>
#include <functional>

#include "http/header.hpp"
#include "http/media_type.hpp"

namespace snasio::http {

namespace {

bool fail(std::string& error, std::string why) {
  error = std::move(why);
  return false;
}

// The part's headers (up to the blank line) and its data.
bool read_part(std::string_view text, form_part& part, std::string& error) {
  std::size_t head_end = text.starts_with("\r\n") ? 0 : text.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return fail(error, "a multipart part has no blank line after its headers");
  part.data = text.substr(head_end + (head_end == 0 ? 2 : 4));
  std::string_view headers = text.substr(0, head_end);
  part.head = headers;
  std::optional<std::string> disposition;
  while (!headers.empty()) {
    std::size_t eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
    std::size_t colon = line.find(':');
    // A line folded onto the one before (obsolete) or without a name is refused.
    if (colon == 0 || colon == std::string_view::npos || line.front() == ' ' || line.front() == '\t')
      return fail(error, "a multipart part has a malformed header line");
    std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    if (iequals(name, "Content-Disposition")) disposition = std::string(trim(value));
    if (iequals(name, "Content-Type")) part.content_type = trim(value);
  }
  std::optional<std::string> name = disposition ? parameter(*disposition, "name") : std::nullopt;
  if (!name || media_type(*disposition) != "form-data")
    return fail(error, "a multipart part has no 'Content-Disposition: form-data' with a name");
  part.name = std::move(*name);
  part.filename = parameter(*disposition, "filename");
  return true;
}

}  // namespace

bool parse_multipart(std::string_view body, std::string_view boundary, std::vector<form_part>& parts,
                     std::string& error, std::size_t max_parts) {
  if (boundary.empty() || boundary.size() > 70)
    return fail(error, "multipart/form-data needs a boundary parameter of 1 to 70 characters");
  // Every boundary line but a first one that opens the body follows a CRLF.
  const std::string delimiter = "\r\n--" + std::string(boundary);
  const std::boyer_moore_horspool_searcher find_delimiter(delimiter.begin(), delimiter.end());
  auto next_delimiter = [&](std::string_view from) {
    return std::size_t(std::search(from.begin(), from.end(), find_delimiter) - from.begin());
  };
  std::string_view rest = body;
  if (rest.starts_with(std::string_view(delimiter).substr(2))) {
    rest.remove_prefix(delimiter.size() - 2);
  } else {
    std::size_t first = next_delimiter(rest);
    if (first == rest.size()) return fail(error, "the multipart body has no boundary line");
    rest.remove_prefix(first + delimiter.size());
  }
  for (;;) {
    if (rest.starts_with("--")) return true;  // the closing boundary
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    if (!rest.starts_with("\r\n")) return fail(error, "a multipart boundary line does not end with CRLF");
    rest.remove_prefix(2);
    std::size_t end = next_delimiter(rest);
    if (end == rest.size()) return fail(error, "the multipart body ends before its closing boundary");
    form_part part;
    if (!read_part(rest.substr(0, end), part, error)) return false;
    parts.push_back(std::move(part));
    if (parts.size() > max_parts) return fail(error, "too many parts");
    rest.remove_prefix(end + delimiter.size());
  }
}

}  // namespace snasio::http
