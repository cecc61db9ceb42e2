#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <asio.hpp>

#include "net/server_options.hpp"

namespace snasio::net {

/// One answered request, as the access log tells it.
struct access_entry {
  std::string_view client;  ///< "host:port"
  std::string_view method;
  std::string_view target;
  std::string_view request_id;
  int status = 0;
  std::size_t bytes = 0;  ///< body bytes of the response
  std::chrono::steady_clock::duration took{};
};

/// The access log (--access-log): one line per request, to stdout. Lines
/// collect in a buffer written when it is large, at least once a second and
/// at exit, so a request costs no system call of its own. Reactor thread only.
class access_log {
 public:
  access_log(asio::any_io_executor executor, access_log_format format);
  ~access_log();
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;

  /// Adds the line for `e`; `date` is the current HTTP date (cached per second).
  void add(const access_entry& e, std::string_view date);
  /// Writes what is buffered.
  void flush();

 private:
  access_log_format format_;
  std::string buffer_;
  asio::steady_timer timer_;
  bool timer_armed_ = false;
};

}  // namespace snasio::net
