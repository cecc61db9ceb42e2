#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace snasio::http {

/// Percent-decodes a path ("%2F" -> "/", '+' stays '+'); nullopt on a malformed escape.
std::optional<std::string> percent_decode_path(std::string_view raw);

/// One decoded query pair, in order of appearance.
using query_pair = std::pair<std::string, std::string>;

/// Splits and decodes a query string ("a=1&b=x+y" -> {a,1},{b,"x y"}); keys without '=' get "".
/// Malformed escapes are kept literally, as browsers and werkzeug do. Stops
/// after `max_pairs` + 1 pairs, so a caller can tell there were too many.
std::vector<query_pair> parse_query(std::string_view raw, std::size_t max_pairs = std::size_t(-1) - 1);

}  // namespace snasio::http
