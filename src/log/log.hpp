// The server's own messages (not the access log): one line each, to stderr.
// Every layer may log; this folder includes nothing else of snasio's.
#pragma once

#include <string_view>

namespace snasio::log {

/// Writes "snasio: <text>" as one line to stderr. Safe from any thread: each
/// line is a single write, so lines from the reactor and the GIL thread never
/// interleave.
void line(std::string_view text);

}  // namespace snasio::log
