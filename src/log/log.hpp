// The server's own messages (not the access log): one line each, to stderr.
// Every layer may log; this folder includes nothing else of snasio's.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace snasio::log {

/// How much a message matters; --log-level drops those below the one named.
enum class level { debug, info, warning, error };

/// The level named "debug", "info", "warning" or "error"; nullopt for any other.
std::optional<level> parse_level(std::string_view name);

/// Sets the lowest level written (info unless --log-level says otherwise).
void set_level(level lowest);

/// Names this process in every line after "snasio: " ("worker 2"); set
/// before any other thread starts.
void set_tag(std::string tag);

/// Whether a message of level `l` is written: check it before composing a
/// costly debug message.
bool enabled(level l);

/// Writes "snasio: <text>" as one line to stderr, if `l` is enabled. Safe
/// from any thread: each line is a single write, so lines from the reactor and
/// the GIL thread never interleave.
void line(level l, std::string_view text);

/// An info message.
inline void line(std::string_view text) { line(level::info, text); }

}  // namespace snasio::log
