#include "app/file_pump.hpp"

#include <unistd.h>

#include <algorithm>
#include <string>

#include <asio/post.hpp>

namespace snasio::app {

file_pump::~file_pump() {
  for (auto& [tag, t] : transfers_) ::close(t.fd);
}

net::listening file_pump::start(middleware::file_answer a, const net::responder& to) {
  std::uint64_t tag = next_tag_++;
  transfers_.emplace(tag, transfer{a.fd, a.offset, a.response.stream_length, to});
  to.send(std::move(a.response));
  room(tag);  // the first piece goes after the connection knows who listens for room()
  return {this, tag};
}

void file_pump::room(std::uint64_t tag) {
  // Posted, not sent from here: the connection is in the middle of its own
  // bookkeeping (it tells room() as it walks its waiting streams).
  asio::post(ex_, [this, tag] { next_piece(tag); });
}

void file_pump::next_piece(std::uint64_t tag) {
  auto it = transfers_.find(tag);
  if (it == transfers_.end()) return;
  transfer& t = it->second;
  std::string piece(static_cast<std::size_t>(std::min(t.left, piece_bytes)), '\0');
  ssize_t got = t.to.abandoned() ? -1 : ::pread(t.fd, piece.data(), piece.size(), t.offset);
  if (got <= 0 && !piece.empty()) {
    // Gone, or the file shrank under us: the body stops short and the connection closes.
    t.to.send_piece({}, net::piece_end::cut);
    return abandoned(tag);
  }
  piece.resize(static_cast<std::size_t>(got));
  t.offset += got;
  t.left -= got;
  bool last = t.left == 0;
  net::responder to = t.to;
  if (last) abandoned(tag);  // closes the file before the last piece goes
  to.send_piece(piece, last ? net::piece_end::last : net::piece_end::more);
}

void file_pump::abandoned(std::uint64_t tag) {
  auto it = transfers_.find(tag);
  if (it == transfers_.end()) return;
  ::close(it->second.fd);
  transfers_.erase(it);
}

}  // namespace snasio::app
