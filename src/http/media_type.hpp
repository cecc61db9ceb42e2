#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace snasio::http {

/// The media type of a Content-Type value, without its parameters and in
/// lower case: "text/html" for "Text/HTML; charset=utf-8".
std::string media_type(std::string_view content_type);

/// Whether a Content-Type value names JSON: application/json or any */*+json.
bool is_json_media_type(std::string_view content_type) noexcept;

/// The parameter `name` (matched without regard to case) of a header value
/// of the form `type; a=1; b="quoted \" text"`, unquoted; nullopt when absent.
std::optional<std::string> parameter(std::string_view value, std::string_view name);

}  // namespace snasio::http
