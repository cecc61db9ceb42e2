#pragma once

#include <string>
#include <string_view>

namespace snasio::routing {

/// Canonical text of an optionally '-'-signed run of ASCII digits: no leading zeros, "-0" is "0".
std::string canonical_integer(std::string_view digits);

/// Compares two canonical integers of any size: negative, zero or positive like strcmp.
int compare_integers(std::string_view a, std::string_view b);

}  // namespace snasio::routing
