#pragma once

#include <cstdint>
#include <unordered_map>

#include <asio/any_io_executor.hpp>

#include "middleware/static_files.hpp"
#include "net/request_handler.hpp"

namespace snasio::app {

/// Sends large static files natively, piece by piece, each read when the
/// connection has room for it (as a Python stream is pumped): the reactor
/// never holds more than a piece of a file, and a client that stops reading
/// stops the reads. Each file's descriptor is closed when it is sent, or
/// when its client leaves.
class file_pump final : public net::request_listener {
 public:
  /// Bytes read and sent at a time.
  static constexpr long long piece_bytes = 64 * 1024;

  explicit file_pump(asio::any_io_executor ex) : ex_(std::move(ex)) {}
  file_pump(const file_pump&) = delete;
  file_pump& operator=(const file_pump&) = delete;
  ~file_pump() override;
  /// Sends `a`'s head through `to`, then its file; takes `a.fd`.
  net::listening start(middleware::file_answer a, const net::responder& to);
  std::size_t open_files() const noexcept { return transfers_.size(); }

  void abandoned(std::uint64_t tag) override;
  void written(std::uint64_t) override {}
  void room(std::uint64_t tag) override;

 private:
  struct transfer {
    int fd;
    long long offset, left;
    net::responder to;
  };
  void next_piece(std::uint64_t tag);

  asio::any_io_executor ex_;
  std::unordered_map<std::uint64_t, transfer> transfers_;
  std::uint64_t next_tag_ = 1;
};

}  // namespace snasio::app
