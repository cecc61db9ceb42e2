#include "net/access_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

namespace snasio::net {

namespace {

// Past this many buffered bytes the buffer is written at once.
constexpr std::size_t flush_bytes = 64 * 1024;
// ...and never later than this after a line was added.
constexpr std::chrono::seconds flush_interval{1};

// Text from the client, made safe for one log line: quotes, backslashes and
// control bytes escaped (\" \\ and \xNN, or \u00NN in JSON), so no request can
// forge a line.
void put_escaped(std::string& out, std::string_view text, bool json = false) {
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += json ? "\\u00" : "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += char(c);
    }
  }
}

template <class Number>
void put_number(std::string& out, Number n) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
}

void put_milliseconds(std::string& out, std::chrono::steady_clock::duration d) {
  char digits[32];
  int n = std::snprintf(digits, sizeof digits, "%.3f", std::chrono::duration<double, std::milli>(d).count());
  out.append(digits, std::size_t(n));
}

}  // namespace

access_log::access_log(asio::any_io_executor executor, access_log_format format)
    : format_(format), timer_(std::move(executor)) {}

access_log::~access_log() { flush(); }

void access_log::add(const access_entry& e, std::string_view date) {
  if (format_ == access_log_format::text) {
    // 127.0.0.1:50000 [Mon, 30 Nov 2026 12:00:00 GMT] "GET /path" 200 35 0.120ms 5f3a9c1e-1a
    put_escaped(buffer_, e.client);
    buffer_.append(" [").append(date).append("] \"");
    put_escaped(buffer_, e.method);
    buffer_ += ' ';
    put_escaped(buffer_, e.target);
    buffer_ += "\" ";
    put_number(buffer_, e.status);
    buffer_ += ' ';
    put_number(buffer_, e.bytes);
    buffer_ += ' ';
    put_milliseconds(buffer_, e.took);
    buffer_ += "ms ";
    put_escaped(buffer_, e.request_id);
  } else {
    auto field = [this](std::string_view name, std::string_view value) {
      buffer_.append("\"").append(name).append("\":\"");
      put_escaped(buffer_, value, true);
      buffer_ += "\",";
    };
    buffer_ += '{';
    field("time", date);
    field("client", e.client);
    field("method", e.method);
    field("target", e.target);
    buffer_ += "\"status\":";
    put_number(buffer_, e.status);
    buffer_ += ",\"bytes\":";
    put_number(buffer_, e.bytes);
    buffer_ += ",\"duration_ms\":";
    put_milliseconds(buffer_, e.took);
    buffer_ += ',';
    field("request_id", e.request_id);
    buffer_.back() = '}';
  }
  buffer_ += '\n';
  if (buffer_.size() >= flush_bytes) return flush();
  if (timer_armed_) return;
  timer_armed_ = true;
  timer_.expires_after(flush_interval);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;  // cancelled: the log is being destroyed, and flushes itself
    timer_armed_ = false;
    flush();
  });
}

void access_log::flush() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::write(STDOUT_FILENO, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // stdout is gone: the lines are lost, the server goes on
    done += std::size_t(n);
  }
  buffer_.clear();
}

}  // namespace snasio::net
