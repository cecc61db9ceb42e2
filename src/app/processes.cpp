#include "app/processes.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

namespace snasio::app {

namespace {

// The parent of each process, read from /proc/PID/stat (field 4, after the
// command name, which may itself hold spaces and parentheses).
std::multimap<pid_t, pid_t> children_by_parent() {
  std::multimap<pid_t, pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    char state;
    int parent = 0;
    if (std::sscanf(text.c_str() + close + 1, " %c %d", &state, &parent) == 2)
      children.emplace(pid_t(parent), pid_t(std::atoi(name.c_str())));
  }
  return children;
}

}  // namespace

std::size_t kill_descendants() {
  std::error_code ec;
  if (!std::filesystem::exists("/proc", ec)) return 0;
  auto children = children_by_parent();
  std::vector<pid_t> todo{getpid()}, found;
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    auto [first, last] = children.equal_range(p);
    for (auto it = first; it != last; ++it) {
      found.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  for (pid_t p : found) ::kill(p, SIGKILL);
  return found.size();
}

std::string signal_name(int signo) {
  // sigabbrev_np() is newer than Debian bookworm's glibc.
  switch (signo) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    case SIGILL: return "SIGILL";
    default: return "signal " + std::to_string(signo);
  }
}

#ifdef SNASIO_COVERAGE
extern "C" void __gcov_dump();  // a coverage build's counters, written before the exit skips it
#endif

void exit_now(int code) {
  std::fflush(nullptr);
#ifdef SNASIO_COVERAGE
  __gcov_dump();
#endif
  std::_Exit(code);
}

}  // namespace snasio::app
