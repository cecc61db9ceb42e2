#include "app/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "app/flags.hpp"

namespace snasio::app {

namespace {

const option* find_option(std::string_view flag) {
  for (const auto& o : options())
    if (flag == o.flag) return &o;
  return nullptr;
}

}  // namespace

std::string usage() {
  std::string out = "usage: snasio-serve [options]     (--flag value or --flag=value)\n\n";
  const config defaults;
  for (const auto& o : options()) {
    std::string left = std::string("  ") + o.flag + (o.value ? std::string(" ") + o.value : "");
    left.resize(std::max<std::size_t>(left.size() + 1, 27), ' ');
    out += left + o.help;
    if (std::string value = o.get(defaults); !value.empty()) out += " (default " + value + ")";
    out += "\n";
  }
  out += "\n  --print-config           show each setting, its value and where it came from, and exit\n";
  out += "  --help                   show this help\n";
  return out;
}

config parse_command_line(int argc, char** argv, config c) {
  if (const char* venv = std::getenv("VIRTUAL_ENV"); venv && *venv) {
    c.python.venv = venv;
    c.python.venv_named_by = "VIRTUAL_ENV";
    c.origin["venv"] = "VIRTUAL_ENV";
  }
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    // --flag=value is --flag value.
    std::string_view flag = arg.substr(0, arg.find('='));
    const option* o = find_option(flag);
    if (!o) throw usage_error("unknown option " + std::string(flag));
    std::string_view value;
    if (flag.size() < arg.size()) value = arg.substr(flag.size() + 1);
    else if (!o->value) value = "true";  // a switch: --access-log alone is --access-log=true
    else if (i + 1 < argc) value = argv[++i];
    else throw usage_error("missing value for " + std::string(flag));
    o->set(c, value);
    c.origin[setting_name(o->flag)] = "command line";
  }
  return c;
}

void apply_app_settings(config& c, const std::vector<python::app_setting>& settings) {
  for (const auto& [name, value] : settings) {
    const option* o = nullptr;
    for (const auto& candidate : options())
      if (setting_name(candidate.flag) == name) o = &candidate;
    if (!o) throw usage_error("configure(): unknown setting '" + name + "'");
    if (o->command_line_only)
      throw usage_error("configure(): " + name + " comes from the command line only (" + o->flag + ")");
    auto [it, fresh] = c.origin.try_emplace(name, "app");
    if (!fresh && it->second == "command line") continue;  // the command line wins
    it->second = "app";
    try {
      o->set(c, value);
    } catch (const usage_error& e) {
      throw usage_error(std::string("configure(): ") + e.what());
    }
  }
}

std::string describe(const config& c) {
  // Aligned columns: setting, value (timeouts in seconds), where it came from.
  auto cell = [](std::string text, std::size_t width) {
    text.resize(std::max(text.size() + 2, width), ' ');
    return text;
  };
  std::string out = cell("setting", 20) + cell("value", 24) + "from\n";
  for (const auto& o : options()) {
    std::string name = setting_name(o.flag);
    std::string value = o.get(c);
    auto from = c.origin.find(name);
    out += cell(name, 20) + cell(value.empty() ? "-" : value, 24) +
           (from == c.origin.end() ? "default" : from->second) + "\n";
  }
  return out;
}

}  // namespace snasio::app
