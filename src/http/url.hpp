#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace snasio::http {

/// Percent-decodes a path ("%2F" -> "/", '+' stays '+'); nullopt on a malformed escape.
std::optional<std::string> percent_decode_path(std::string_view raw);

/// Takes the next non-empty pair off the front of `rest`, split as
/// werkzeug splits (on '&'; the key ends at the first '='): its key and
/// value as written, escapes and all. False when no pair is left.
bool next_query_pair(std::string_view& rest, std::string_view& key, std::string_view& value);

/// Whether a query key or value means what it says: no escape, no '+'.
inline bool plain_query_component(std::string_view raw) { return raw.find_first_of("%+") == std::string_view::npos; }

/// Decodes a query key or value: '+' is a space, malformed escapes stay as written.
std::string decode_query_component(std::string_view raw);

/// One decoded query pair, in order of appearance.
using query_pair = std::pair<std::string, std::string>;

/// Splits and decodes a query string ("a=1&b=x+y" -> {a,1},{b,"x y"}); keys without '=' get "".
/// Malformed escapes are kept literally, as browsers and werkzeug do. Stops
/// after `max_pairs` + 1 pairs, so a caller can tell there were too many.
std::vector<query_pair> parse_query(std::string_view raw, std::size_t max_pairs = std::size_t(-1) - 1);

}  // namespace snasio::http
