#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "http/request_parser.hpp"
#include "http/response.hpp"

namespace snasio::net {

class server;

/// One client connection: reads and parses requests, hands them out, and
/// writes their responses back in request order.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(asio::ip::tcp::socket socket, server& owner);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Starts reading the first request.
  void start();
  /// Closes the socket now; responses still pending are dropped.
  void close();
  /// Server shutdown: finish the requests already read, then close.
  void drain();
  /// Delivers the response for pipeline slot `slot` (called through a responder).
  void complete(std::uint64_t slot, http::response r);
  /// Marks slot `slot` as answered by cancellable work named `tag`.
  void tag(std::uint64_t slot, std::uint64_t tag);

 private:
  using clock = std::chrono::steady_clock;

  /// A response owed to the client, in request order.
  struct pending {
    http::framing framing;
    bool ready = false;
    bool close_after = false;
    std::uint64_t tag = 0;  // cancellable work answering this slot (0: none)
    std::string bytes;
  };

  void do_read();
  void on_read(const asio::error_code& ec, std::size_t n);
  void process_input();
  void dispatch(http::request req);
  void answer_now(int status, std::string_view reason);
  void send_continue();
  void do_write();
  void on_write(const asio::error_code& ec);
  void finish();
  void begin_linger();
  void arm_timer();
  void on_timer(const asio::error_code& ec);
  clock::time_point deadline() const;
  bool idle() const;

  // The read buffer: bytes [begin_, end_) are received but not yet parsed.
  // A fixed size is enough because llhttp copies out what it keeps; only the
  // bytes after a complete request wait here (pipelining).
  static constexpr std::size_t read_buffer_size = 16 * 1024;

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  server& server_;
  http::request_parser parser_;
  std::array<char, read_buffer_size> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;

  std::deque<pending> pending_;     // responses owed, oldest first
  std::uint64_t first_slot_ = 0;    // slot number of pending_.front()
  std::vector<std::string> writing_;  // the buffers of the write in flight

  bool reading_ = false;
  bool writing_now_ = false;
  bool input_done_ = false;   // no more requests will be read (EOF, error, close)
  bool lingering_ = false;
  bool closed_ = false;
  bool draining_ = false;
  std::uint64_t served_ = 0;
  std::string client_host_;  // the peer, looked up once per connection
  std::uint16_t client_port_ = 0;
  std::size_t linger_budget_ = 0;  // bytes discarded while lingering

  clock::time_point ready_since_;    // when the connection became ready for a request
  clock::time_point first_byte_at_;  // first byte of the request being parsed
  clock::time_point head_done_at_;   // end of its head
  clock::time_point write_started_;
  clock::time_point linger_until_;
  clock::time_point timer_expiry_ = clock::time_point::max();
  bool saw_first_byte_ = false;
  bool saw_head_ = false;
};

}  // namespace snasio::net
