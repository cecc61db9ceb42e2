#pragma once

#include <string_view>

#include "validation/schema.hpp"

namespace snasio::validation {

/// Whether `text` is in `f` (RFC 3339 dates and times, RFC 4122 UUIDs of
/// `uuid_version` (0: any), dotted-quad IPv4, RFC 4291 IPv6, an absolute
/// URI, an RFC 1123 hostname, an ISO 8601 duration, a plain decimal, an
/// e-mail address). format::none and format::binary accept anything.
bool in_format(format f, std::string_view text, int uuid_version = 0);

/// The pattern an e-mail address must match where errors speak pydantic's
/// language (as its EmailStr does, the error quotes it).
inline constexpr std::string_view email_pattern = R"(^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$)";

}  // namespace snasio::validation
