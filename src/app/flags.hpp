#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.hpp"

namespace snasio::app {

/// One setting: its flag, what it sets, and its help line. The app may set
/// it too (snasio.configure, by the snake_case name) unless it decides where
/// to listen or what to import.
struct option {
  const char* flag;
  const char* value;  ///< the placeholder in --help ("N", "S", "DIR"); nullptr: a switch, given alone
  const char* help;
  std::function<void(config&, std::string_view)> set;
  std::function<std::string(const config&)> get;  ///< the value, for --help and --print-config
  bool command_line_only = false;
};

/// Every setting, in the order --help lists them.
const std::vector<option>& options();

/// The middleware's settings (--cors-*, --compress*, --static, --rate-limit*,
/// --request-timeout), appended to `table` (app/middleware_flags.cpp).
void add_middleware_options(std::vector<option>& table);

/// Seconds ("0.5" allowed) as `flag`'s value; throws usage_error.
std::chrono::milliseconds duration(std::string_view flag, std::string_view text, bool zero_allowed);
/// true/on/yes/1 or false/off/no/0 as `flag`'s value; throws usage_error.
bool yes_no(std::string_view flag, std::string_view text);

/// "--max-body-bytes" -> "max_body_bytes", the name an app configures it by.
std::string setting_name(std::string_view flag);

}  // namespace snasio::app
