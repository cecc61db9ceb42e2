#pragma once

#include <chrono>
#include <cstddef>

namespace snasio::log {

/// One kind of event that comes in bursts (a full queue, no descriptor left):
/// counted, and told in the log at most once a period, so that the log line
/// adds nothing to the burst. One thread only.
class throttle {
 public:
  explicit throttle(std::chrono::milliseconds every = std::chrono::seconds(1)) : every_(every) {}

  /// Counts one more; when a line is due, how many there were since the last
  /// line (this one included), else 0.
  std::size_t count() {
    ++count_;
    auto now = std::chrono::steady_clock::now();
    if (now < next_) return 0;
    next_ = now + every_;
    std::size_t n = count_;
    count_ = 0;
    return n;
  }

 private:
  std::chrono::milliseconds every_;
  std::chrono::steady_clock::time_point next_{};
  std::size_t count_ = 0;
};

}  // namespace snasio::log
