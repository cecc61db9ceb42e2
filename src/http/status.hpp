#pragma once

#include <string_view>

namespace snasio::http {

/// The reason phrase for an HTTP status code ("Unknown" for codes it does not know).
std::string_view reason_phrase(int status) noexcept;

}  // namespace snasio::http
