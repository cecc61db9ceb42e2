#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/multipart.hpp"
#include "validation/check.hpp"

namespace snasio::validation {

/// What an uploaded file part earns at `loc`: an error when its media type
/// is not one of `content_types` (if any are given), or, with `magic`, when
/// it is empty or its first bytes say it is another type (PNG, JPEG, GIF,
/// PDF) than it claims; nothing when it passes.
std::optional<error> upload_error(const http::form_part& part, const std::vector<std::string>& content_types,
                                  bool magic, const std::string& loc);

}  // namespace snasio::validation
