#pragma once

#include <time.h>

#include <chrono>

namespace snasio::net {

/// The monotonic clock as of the kernel's last tick (1–10 ms behind, by its
/// HZ), in steady_clock's time: CLOCK_MONOTONIC_COARSE reads a value the
/// kernel keeps, where steady_clock::now() (CLOCK_MONOTONIC) measures. A
/// connection reads the time several times a request for timeouts of
/// seconds, which need no finer clock; nginx, for the same reason, reads
/// it once per turn of its loop.
inline std::chrono::steady_clock::time_point coarse_now() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::steady_clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

}  // namespace snasio::net
