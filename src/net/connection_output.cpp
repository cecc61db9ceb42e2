// What a connection sends: answers filled in request order, interim 100s,
// the pieces of a stream and the room it offers its producer, one gather
// write at a time, and the access log line of each answer; the slot each
// request reserves for its answer.
#include "net/connection.hpp"

#include <algorithm>

#include "http/forwarded.hpp"
#include "net/coarse_clock.hpp"
#include "net/connection_manager.hpp"
#include "net/request_handler.hpp"

namespace snasio::net {

namespace {
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
}  // namespace

void connection::send_continue() {
  // The interim 100 goes out in order, like a response that is already done.
  slots_.push_filled(std::string(continue_line));
  do_write();
}

void connection::respond(std::uint64_t slot, http::response&& r) {
  if (state_ == state::closed) return;
  if (fill(slot, r)) manager_.count_answered();
  do_write();
  // An answer made may let the pipelined requests behind it be taken.
  if (!parsing_ && state_ == state::open && begin_ < end_) process_input();
}

void connection::finish_with(std::uint64_t slot, http::header_list headers, http::coding c,
                             const http::compression_policy* p) {
  if (http::framing* f = slots_.waiting(slot)) {
    f->extra_headers = std::move(headers);
    f->encode = c;
    f->compression = p;
  }
}

bool connection::fill(std::uint64_t slot, http::response& r) {
  // Absent: answered already (a handler answered twice, or too late after the
  // drain deadline; the first answer stands).
  const http::framing* f = slots_.waiting(slot);
  if (!f) return false;
  if (f->compression && f->encode != http::coding::identity && http::compressible(r, *f->compression) &&
      !(r.streamed && f->head_request))
    return fill_compressed(slot, r, *f);
  if (manager_.log()) log_access(slot, r);
  // A stream's pieces follow its head, unless there is no body to send.
  if (r.streamed && !f->head_request && !http::status_forbids_body(r.status)) {
    using body = response_slots::stream_body;
    slots_.open_stream(slot, http::serialize(r, *f, manager_.date()),
                       r.stream_length >= 0 ? body::sized : f->http10 ? body::until_close : body::chunked);
    return true;
  }
  std::string bytes = http::serialize(r, *f, manager_.date());
  largest_answer_ = std::max(largest_answer_, bytes.size());
  slots_.fill(slot, std::move(bytes));
  return true;
}

bool connection::fill_compressed(std::uint64_t slot, http::response& r, const http::framing& f) {
  // Compressed as the client asked, in place: a body whole, a stream piece
  // by piece (its length is then unknown: chunked, or until the close for HTTP/1.0).
  r.headers.push_back({"Content-Encoding", std::string(http::coding_name(f.encode))});
  for (auto& h : r.headers)  // another representation: its ETag can only be weak (RFC 9110 8.8.3)
    if (http::iequals(h.name, "ETag") && !h.value.starts_with("W/")) h.value.insert(0, "W/");
  if (!r.streamed) {
    r.body = http::compress(f.encode, f.compression->quality, r.body);
    return fill(slot, r);  // now encoded: compressible() says no
  }
  auto encoder = http::make_encoder(f.encode, f.compression->quality);
  r.stream_length = -1;
  if (manager_.log()) log_access(slot, r);
  using body = response_slots::stream_body;
  slots_.open_stream(slot, http::serialize(r, f, manager_.date()), f.http10 ? body::until_close : body::chunked,
                     std::move(encoder));
  return true;
}

void connection::respond_piece(std::uint64_t slot, std::string_view bytes, piece_end end) {
  if (state_ == state::closed || !slots_.append(slot, bytes)) return;
  if (end != piece_end::more) slots_.end_stream(slot, end == piece_end::cut);
  else if (std::find(waiting_for_room_.begin(), waiting_for_room_.end(), slot) == waiting_for_room_.end())
    waiting_for_room_.push_back(slot);
  do_write();
  offer_room();
}

// Tells the stream's producer it may send its next piece once fewer than
// --stream-buffer-bytes of it wait to be written.
void connection::offer_room() {
  std::erase_if(waiting_for_room_, [this](std::uint64_t slot) {
    if (slots_.buffered(slot, stream_in_flight_) >= options_.stream_buffer_bytes) return false;
    if (listening l = slots_.stream_listener(slot); l.by) l.by->room(l.tag);
    return true;
  });
}

std::uint64_t connection::reserve_for(http::request& req, http::framing&& f) {
  req.request_id = manager_.request_id(req.header("X-Request-ID"));
  if (options_.request_id_header) f.request_id = req.request_id;
  f.vary = handler_.vary();
  std::uint64_t slot = slots_.reserve(std::move(f));
  if (!safe_method(req.method)) slots_.mark_unsafe(slot);
  if (peer_trusted_ && http::has_forwarding(req.headers)) {
    auto origin = http::forwarded_origin(req.headers, client_host_, client_port_, options_.forwarded_allow_ips);
    req.client_host = std::move(origin.host);
    req.client_port = origin.port;
    req.https = origin.https;
  } else {
    req.client_host = client_host_;
    req.client_port = client_port_;
  }
  if (manager_.log()) {
    std::string client = req.client_host + ":" + std::to_string(req.client_port);
    slots_.set_note(slot, {std::move(client), req.method, req.target, clock::now()});
  }
  return slot;
}

void connection::log_access(std::uint64_t slot, const http::response& r) {
  access_entry e;
  e.request_id = slots_.waiting(slot)->request_id;
  e.status = r.status;
  e.bytes = r.body.size();
  std::string peer;
  if (const auto* note = slots_.note(slot)) {
    e.client = note->client;
    e.method = note->method;
    e.target = note->target;
    e.took = clock::now() - note->began;
  } else {
    // A refused request was never parsed: its line has the peer and no request.
    peer = client_host_ + ":" + std::to_string(client_port_);
    e.client = peer;
    e.method = e.target = "-";
  }
  manager_.log()->add(e, manager_.date());
}

void connection::do_write() {
  if (write_pending_ || state_ == state::lingering || state_ == state::closed) return;
  // Gather every response that is ready at the front into one write.
  if (slots_.take_filled(writing_) == 0) return;
  stream_in_flight_ = slots_.stream_taken() ? writing_.back().size() : 0;
  in_flight_ = 0;
  for (const auto& b : writing_) in_flight_ += b.size();
  write_pending_ = true;
  write_started_ = coarse_now();
  gather_.clear();
  for (const auto& b : writing_) gather_.emplace_back(asio::buffer(b));
  write_.start(socket_, gather_, shared_from_this());
  arm_timer();
}

void connection::on_write(const asio::error_code& ec) {
  write_pending_ = false;
  if (state_ == state::closed) return;
  if (ec) return close();
  writing_.clear();
  written_.clear();
  stream_in_flight_ = in_flight_ = 0;
  bool closes = slots_.release_taken(&written_);
  for (const listening& l : written_) l.by->written(l.tag);
  if (closes) return begin_linger();
  if (!waiting_for_room_.empty()) offer_room();
  if (slots_.empty()) ready_since_ = coarse_now();
  // Room in the pipeline again: parse what is buffered, then write what is ready.
  process_input();
  do_write();
  close_when_done();
}

}  // namespace snasio::net
