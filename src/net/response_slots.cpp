#include "net/response_slots.hpp"

#include <algorithm>
#include <utility>

namespace snasio::net {

std::uint64_t response_slots::reserve(http::framing&& f) {
  slots_.emplace_back(std::move(f));
  return first_ + slots_.size() - 1;
}

void response_slots::push_filled(std::string bytes) {
  slot s;
  s.filled = true;
  s.bytes = std::move(bytes);
  slots_.push_back(std::move(s));
}

response_slots::slot* response_slots::find(std::uint64_t n) {
  if (n < first_ || n - first_ >= slots_.size()) return nullptr;
  return &slots_[n - first_];
}

const http::framing* response_slots::waiting(std::uint64_t n) const {
  if (n < first_ || n - first_ >= slots_.size()) return nullptr;
  const slot& s = slots_[n - first_];
  return s.filled ? nullptr : &s.framing;
}

http::framing* response_slots::waiting(std::uint64_t n) {
  slot* s = find(n);
  return s && !s->filled ? &s->framing : nullptr;
}

void response_slots::fill(std::uint64_t n, std::string bytes) {
  slot* s = find(n);
  if (!s || s->filled) return;
  s->filled = true;
  s->bytes = std::move(bytes);
}

void response_slots::open_stream(std::uint64_t n, std::string head, stream_body body,
                                 std::unique_ptr<http::encoder> encoder) {
  slot* s = find(n);
  if (!s || s->filled) return;
  s->encoder = std::move(encoder);
  s->filled = s->streaming = true;
  s->chunked = body == stream_body::chunked;
  if (body == stream_body::until_close) s->framing.keep_alive = false;
  s->bytes = std::move(head);
}

bool response_slots::append(std::uint64_t n, std::string_view bytes) {
  slot* s = find(n);
  if (!s || !s->streaming) return false;
  std::string coded;
  if (s->encoder) bytes = coded = s->encoder->encode(bytes, false);
  if (s->chunked) s->bytes += http::chunk(bytes);
  else s->bytes += bytes;
  return true;
}

void response_slots::end_stream(std::uint64_t n, bool cut) {
  slot* s = find(n);
  if (!s || !s->streaming) return;
  s->streaming = false;
  if (cut) {
    s->framing.keep_alive = false;
    return;
  }
  if (s->encoder) {  // what the encoder still holds, and the coding's end
    std::string tail = s->encoder->encode({}, true);
    s->bytes += s->chunked ? http::chunk(tail) : tail;
    s->encoder.reset();
  }
  if (s->chunked) s->bytes += http::last_chunk;
}

std::size_t response_slots::buffered(std::uint64_t n, std::size_t in_flight) const {
  if (n < first_ || n - first_ >= slots_.size()) return 0;
  return slots_[n - first_].bytes.size() + (n - first_ == taken_ && stream_taken_ ? in_flight : 0);
}

listening response_slots::stream_listener(std::uint64_t n) const {
  if (n < first_ || n - first_ >= slots_.size()) return {};
  const slot& s = slots_[n - first_];
  return s.streaming ? s.listener : listening{};
}

void response_slots::listen(std::uint64_t n, listening l) {
  if (slot* s = find(n)) s->listener = l;
}

void response_slots::set_note(std::uint64_t n, access_note note) {
  if (slot* s = find(n)) s->note = std::make_unique<access_note>(std::move(note));
}

const response_slots::access_note* response_slots::note(std::uint64_t n) const {
  if (n < first_ || n - first_ >= slots_.size()) return nullptr;
  const slot& s = slots_[n - first_];
  return s.note.get();
}

std::size_t response_slots::take_filled(std::vector<std::string>& out) {
  std::size_t taken = 0;
  // A slot after one that closes the connection is never written.
  if (taken_ > 0 && closes(slots_[taken_ - 1])) return 0;
  while (taken_ < slots_.size() && slots_[taken_].filled) {
    slot& s = slots_[taken_];
    if (s.streaming) {
      // What the stream has so far; the slot stays until its end.
      if (!s.bytes.empty()) {
        out.push_back(std::exchange(s.bytes, {}));
        stream_taken_ = true;
        ++taken;
      }
      break;
    }
    out.push_back(std::move(s.bytes));
    ++taken;
    if (closes(slots_[taken_++])) break;
  }
  return taken;
}

bool response_slots::release_taken(std::vector<listening>* written) {
  bool close = false;
  stream_taken_ = false;
  for (std::size_t i = 0; i < taken_; ++i) {
    close = close || closes(slots_[i]);
    if (written && slots_[i].listener.written_too) written->push_back(slots_[i].listener);
  }
  slots_.erase(slots_.begin(), slots_.begin() + std::ptrdiff_t(taken_));
  first_ += taken_;
  taken_ = 0;
  return close;
}

void response_slots::close_after_last() {
  if (slots_.empty() || !slots_.back().framing.keep_alive) return;
  slot& last = slots_.back();
  // Still owed: it will be made to close. Made already and waiting its turn
  // (not taken for a write, not a stream): its head is changed to say so.
  if (!last.filled || (!last.streaming && slots_.size() > taken_ && http::make_closing(last.bytes)))
    last.framing.keep_alive = false;
}

std::vector<response_slots::owed_answer> response_slots::owed() const {
  std::vector<owed_answer> out;
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (!slots_[i].filled || slots_[i].streaming) out.push_back({first_ + i, slots_[i].listener});
  return out;
}

std::size_t response_slots::unsent() const noexcept {
  std::size_t bytes = 0;
  for (const auto& s : slots_) bytes += s.bytes.size();  // a taken slot's bytes moved out
  return bytes;
}

std::size_t response_slots::unmade() const noexcept {
  return std::size_t(std::count_if(slots_.begin(), slots_.end(), [](const slot& s) { return !s.filled; }));
}

bool response_slots::unmade_unsafe() const noexcept {
  return std::any_of(slots_.begin(), slots_.end(), [](const slot& s) { return !s.filled && s.unsafe; });
}

void response_slots::mark_unsafe(std::uint64_t n) {
  if (slot* s = find(n)) s->unsafe = true;
}

std::vector<listening> response_slots::unwritten() const {
  std::vector<listening> out;
  for (const auto& s : slots_)
    if (s.filled && s.listener.written_too) out.push_back(s.listener);
  return out;
}

void response_slots::clear() noexcept {
  first_ += slots_.size();
  slots_.clear();
  taken_ = 0;
  stream_taken_ = false;
}

}  // namespace snasio::net
