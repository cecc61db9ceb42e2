#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "http/response.hpp"
#include "net/request_listener.hpp"

namespace snasio::net {

/// The responses one connection owes, in request order. A request reserves a
/// slot when it is read; answers fill slots in any order; writes take filled
/// slots from the front only, so pipelined responses leave in the order their
/// requests came. Needs no socket: the connection does the I/O.
class response_slots {
 public:
  /// Reserves the next slot for an answer framed as `f`; returns its number.
  std::uint64_t reserve(http::framing&& f);
  /// Adds a slot that is filled already and keeps the connection open (an interim 100).
  void push_filled(std::string bytes);
  /// The framing of slot `n` while it waits for its answer; nullptr once it is
  /// filled or written, or if it was never reserved.
  const http::framing* waiting(std::uint64_t n) const;
  http::framing* waiting(std::uint64_t n);
  /// Fills waiting slot `n`; after it is written the connection closes if its
  /// framing says so.
  void fill(std::uint64_t n, std::string bytes);
  /// Fills waiting slot `n` with the head of a stream: the slot stays open
  /// for the pieces append() adds until end_stream(), and the slots after
  /// it wait. How its body is framed:
  enum class stream_body {
    chunked,      ///< each piece a chunk, then the last chunk
    sized,        ///< the head gave Content-Length: the pieces as they are
    until_close,  ///< HTTP/1.0: the pieces as they are, and the connection closes after
  };
  /// With `encoder`, each piece is compressed and flushed before it is framed.
  void open_stream(std::uint64_t n, std::string head, stream_body body,
                   std::unique_ptr<http::encoder> encoder = nullptr);
  /// Adds a piece to the stream of slot `n` (coded and framed as its head said);
  /// false if `n` is no open stream (its client gone, or a HEAD request).
  bool append(std::uint64_t n, std::string_view bytes);
  /// Ends the stream of slot `n`: with the last chunk, or `cut` (no last
  /// chunk, and the connection closes after what is buffered, so the client
  /// can tell the body is incomplete).
  void end_stream(std::uint64_t n, bool cut);
  /// The bytes of the stream of slot `n` not written yet, counting those
  /// in the write in flight (`in_flight`).
  std::size_t buffered(std::uint64_t n, std::size_t in_flight) const;
  /// Who listens for the answer of slot `n` if it is an open stream; empty otherwise.
  listening stream_listener(std::uint64_t n) const;
  /// Whether the last take_filled() took bytes of an open stream (the last of `out`).
  bool stream_taken() const noexcept { return stream_taken_; }
  /// Keeps who listens for what becomes of the answer of slot `n`.
  void listen(std::uint64_t n, listening l);
  /// What the access log tells of a request, kept while its answer is owed.
  struct access_note {
    std::string client, method, target;
    std::chrono::steady_clock::time_point began;
  };
  /// Keeps the access log's note for slot `n` (only while the log is on).
  void set_note(std::uint64_t n, access_note note);
  /// The note of waiting slot `n`; nullptr when it has none.
  const access_note* note(std::uint64_t n) const;

  /// Moves the bytes of the filled slots at the front (after those already
  /// taken) into `out`, stopping after a slot that closes the connection and
  /// at an open stream (whose bytes so far are taken, the slot kept).
  /// Returns how many slots (and stream bytes) were taken.
  std::size_t take_filled(std::vector<std::string>& out);
  /// Forgets every taken slot (its write finished); true if one closes the
  /// connection. Those who asked to hear of it are added to `written`.
  bool release_taken(std::vector<listening>* written = nullptr);
  /// Shutdown: the newest answer will close the connection, if it is still
  /// owed or waits unwritten behind an earlier one; the answers before it are
  /// sent as usual.
  void close_after_last();
  /// A slot still waiting for its answer, and who listens for it.
  struct owed_answer {
    std::uint64_t slot;
    listening listener;
  };
  /// Every slot still waiting, and every open stream, oldest first.
  std::vector<owed_answer> owed() const;
  /// Who asked to hear that an answer is written, of answers filled but not written.
  std::vector<listening> unwritten() const;

  /// Marks slot `n` as the answer to a request whose method is not safe
  /// (RFC 9110 9.2.1): POST, PUT, DELETE, ...
  void mark_unsafe(std::uint64_t n);
  /// The bytes filled and not yet taken for a write; how many answers are
  /// not made yet; whether one of those answers a request that is not safe.
  std::size_t unsent() const noexcept;
  std::size_t unmade() const noexcept;
  bool unmade_unsafe() const noexcept;

  bool empty() const noexcept { return slots_.empty(); }
  std::size_t size() const noexcept { return slots_.size(); }
  /// Forgets every slot (the connection closed).
  void clear() noexcept;

 private:
  struct slot {
    slot() = default;
    explicit slot(http::framing&& f) : framing(std::move(f)) {}
    http::framing framing;
    bool filled = false;
    listening listener;         // who hears what becomes of the answer
    bool unsafe = false;        // it answers a request whose method is not safe
    bool streaming = false;     // the head is in; pieces follow until end_stream
    bool chunked = false;       // a stream's pieces are framed as chunks
    std::string bytes;
    std::unique_ptr<access_note> note;  // only while the access log is on
    std::unique_ptr<http::encoder> encoder;  // a compressed stream's
  };

  slot* find(std::uint64_t n);
  bool closes(const slot& s) const { return !s.framing.keep_alive; }

  // Oldest first. A vector, not a deque: few slots wait at once (at most
  // --max-pipelined, and one stream), so erasing from the front moves little,
  // and the storage is reused where a deque would allocate anew every few requests.
  std::vector<slot> slots_;
  std::uint64_t first_ = 0;  // the number of slots_.front()
  std::size_t taken_ = 0;    // front slots whose bytes are being written
  bool stream_taken_ = false;  // ...and some bytes of the open stream after them
};

}  // namespace snasio::net
