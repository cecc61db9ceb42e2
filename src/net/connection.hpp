#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "http/request_parser.hpp"
#include "http/response.hpp"
#include "net/request_listener.hpp"
#include "net/responder.hpp"
#include "net/response_slots.hpp"
#include "net/server_options.hpp"
#include "net/socket_io.hpp"
#include "net/stream_socket.hpp"

namespace snasio::net {

class connection_manager;
class request_handler;

/// One client connection: reads and parses requests, hands them to the
/// request handler, and writes their responses back in request order.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(stream_socket socket, const server_options& options, request_handler& handler,
             connection_manager& manager);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Starts reading the first request.
  void start();
  /// Closes the socket now; responses still owed are dropped and their jobs abandoned.
  void close();
  /// Server shutdown: answer the requests received in full, then close.
  void drain();
  /// How many requests are still waiting for their answers.
  std::size_t owed() const;
  /// The drain deadline: answer every request still waiting 503 (their
  /// answers are abandoned: the work behind them is cancelled), then close.
  void cancel_owed();
  /// Delivers the response for slot `slot` (called through a responder).
  void respond(std::uint64_t slot, http::response&& r);
  /// Delivers the next piece of the stream of slot `slot`, and how it ends
  /// (called through a responder). Its listener is told room() when the
  /// stream has less than --stream-buffer-bytes waiting to be written.
  void respond_piece(std::uint64_t slot, std::string_view bytes, piece_end end);
  /// Whether slot `slot` still waits for its answer.
  bool owes(std::uint64_t slot) const { return slots_.waiting(slot) != nullptr; }
  /// Headers and a coding for whatever answer slot `slot` gets, while it waits (through a responder).
  void finish_with(std::uint64_t slot, http::header_list headers, http::coding c, const http::compression_policy* p);

 private:
  using clock = std::chrono::steady_clock;

  /// Where the connection is in its life; it only ever moves down this list.
  enum class state {
    open,       ///< reads requests and answers them
    finishing,  ///< reads no more requests; answers those it has, then lingers
    lingering,  ///< everything is sent; reads and discards what the client still sends
    closed,     ///< the socket is closed
  };

  friend class drained_read<connection>;
  friend class whole_write<connection>;
  void do_read();
  void on_read(const asio::error_code& ec, std::size_t n);
  void process_input(bool all_received = false);
  bool may_take_request() const;
  bool over_unsent() const;
  bool fill(std::uint64_t slot, http::response& r);
  bool fill_compressed(std::uint64_t slot, http::response& r, const http::framing& f);
  void log_access(std::uint64_t slot, const http::response& r);
  void hand_over(http::request&& req);
  void stop_reading();
  void refuse(int status, std::string_view reason);
  /// Reserves `req`'s response slot: its request id, its client (after
  /// trusted forwarding), its line in the access log.
  std::uint64_t reserve_for(http::request& req, http::framing&& f);
  static bool safe_method(std::string_view m);
  void send_continue();
  void do_write();
  void on_write(const asio::error_code& ec);
  void offer_room();
  void close_when_done();
  void begin_linger();
  void arm_timer();
  void on_timer(const asio::error_code& ec);
  clock::time_point deadline() const;
  bool idle() const;

  // The read buffer: bytes [begin_, end_) are received but not yet parsed.
  // A fixed size is enough because llhttp copies out what it keeps; only the
  // bytes after a complete request wait here (pipelining).
  static constexpr std::size_t read_buffer_size = 16 * 1024;

  stream_socket socket_;
  drained_read<connection> read_;
  whole_write<connection> write_;
  asio::steady_timer timer_;
  const server_options& options_;
  request_handler& handler_;
  connection_manager& manager_;
  http::request_parser parser_;
  std::array<char, read_buffer_size> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;

  state state_ = state::open;
  response_slots slots_;               // responses owed, in request order
  std::vector<std::string> writing_;  // the responses of the write in flight
  std::vector<asio::const_buffer> gather_;  // ...as buffers
  std::vector<listening> written_;          // listeners to tell their answers are written
  std::size_t stream_in_flight_ = 0;  // bytes of the open stream in the write in flight
  std::size_t in_flight_ = 0;         // bytes of the write in flight
  std::size_t largest_answer_ = 0;    // the largest answer made for this connection so far
  bool parsing_ = false;              // inside process_input: an answer made meanwhile needs no new call
  std::vector<std::uint64_t> waiting_for_room_;  // stream slots whose listeners wait for room()
  bool read_pending_ = false;
  bool write_pending_ = false;
  std::uint64_t served_ = 0;
  std::string client_host_;  // the peer, looked up once per connection
  std::uint16_t client_port_ = 0;
  bool peer_trusted_ = false;  // in --forwarded-allow-ips: its forwarding headers are believed
  std::size_t linger_budget_ = 0;  // bytes discarded while lingering

  // When things happened, for the timeouts (coarse_now(): to a tick).
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
