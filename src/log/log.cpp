#include "log/log.hpp"

#include <cstdio>
#include <string>

namespace snasio::log {

void line(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 9);
  out += "snasio: ";
  out += text;
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace snasio::log
