#pragma once

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

/// "--max-body-bytes" -> "max_body_bytes", the name an app configures it by.
std::string setting_name(std::string_view flag);

}  // namespace snasio::app
