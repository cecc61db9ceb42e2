#include "net/coarse_clock.hpp"

#include <catch2/catch.hpp>
#include <thread>

// The connection's timeouts mix coarse readings with the timer's fine
// clock: they must be one clock, the coarse a tick behind at most.
TEST_CASE("coarse_now is steady_clock's time as of the last tick", "[clock]") {
  using namespace std::chrono;
  for (int i = 0; i < 100; ++i) {
    // Read between two fine readings: not after the second, and at most a
    // tick (1–10 ms) before the first (a thread preempted between them only
    // makes the coarse reading later).
    auto first = steady_clock::now();
    auto coarse = snasio::net::coarse_now();
    auto last = steady_clock::now();
    CHECK(coarse <= last);
    CHECK(coarse >= first - milliseconds(20));
    std::this_thread::sleep_for(microseconds(300));
  }
  // It moves: after 30 ms it has passed where it was, whatever the tick.
  auto before = snasio::net::coarse_now();
  std::this_thread::sleep_for(milliseconds(30));
  CHECK(snasio::net::coarse_now() - before >= milliseconds(20));
}
