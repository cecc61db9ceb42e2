#pragma once

#include <cstdint>

namespace snasio::net {

/// Hears what becomes of a request's answer after its handler took the
/// request: the network layer calls it, knowing the request only by the tag
/// the listener gave it, and nothing of what is on the other side (the
/// Python runtime, whose tags are its job ids).
class request_listener {
 public:
  virtual ~request_listener() = default;
  /// Nobody will read the answer: the client left, or the drain deadline
  /// passed and the server answered 503 itself (reactor thread).
  virtual void abandoned(std::uint64_t tag) = 0;
  /// The answer is written, or its client left after it came; only when
  /// asked for (`listening::written_too`) (reactor thread).
  virtual void written(std::uint64_t tag) = 0;
  /// The streamed answer has room for its next piece (reactor thread).
  virtual void room(std::uint64_t tag) = 0;
};

/// Who listens for one request, kept with its response slot. Empty (`by` is
/// null) for a request answered at once.
struct listening {
  request_listener* by = nullptr;
  std::uint64_t tag = 0;
  bool written_too = false;  ///< also tell written()
};

}  // namespace snasio::net
