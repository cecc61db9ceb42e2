#pragma once

#include <string_view>

namespace snasio::http {

/// Whether a Content-Type value names JSON: application/json or any */*+json.
bool is_json_media_type(std::string_view content_type) noexcept;

}  // namespace snasio::http
