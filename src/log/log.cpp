#include "log/log.hpp"

#include <atomic>
#include <cstdio>
#include <string>

namespace snasio::log {

namespace {
std::atomic<level> lowest_level = level::info;
std::string prefix = "snasio: ";
}  // namespace

std::optional<level> parse_level(std::string_view name) {
  if (name == "debug") return level::debug;
  if (name == "info") return level::info;
  if (name == "warning") return level::warning;
  if (name == "error") return level::error;
  return std::nullopt;
}

void set_tag(std::string tag) { prefix = "snasio: " + tag + ": "; }

void set_level(level lowest) { lowest_level.store(lowest, std::memory_order_relaxed); }

bool enabled(level l) { return l >= lowest_level.load(std::memory_order_relaxed); }

void line(level l, std::string_view text) {
  if (!enabled(l)) return;
  std::string out;
  out.reserve(text.size() + prefix.size() + 1);
  out += prefix;
  out += text;
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace snasio::log
