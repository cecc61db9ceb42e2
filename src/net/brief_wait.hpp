#pragma once

#include <chrono>

namespace snasio::net {

/// Waking a thread that sleeps takes tens of microseconds here, and at low
/// load each request would pay that twice (reactor -> GIL thread -> reactor).
/// So a thread that has just had work keeps looking for more this long before
/// it goes to sleep: the reactor for replies, the GIL thread for jobs.
inline constexpr std::chrono::microseconds brief_wait{200};

/// Calls `ready()` until it is true or `brief_wait` has passed; its outcome.
template <class Ready>
bool wait_briefly(Ready ready) {
  using clock = std::chrono::steady_clock;
  for (auto until = clock::now() + brief_wait; clock::now() < until;)
    if (ready()) return true;
  return false;
}

}  // namespace snasio::net
