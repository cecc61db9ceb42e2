// GCRA per client: a burst at once, then the rate; memory bounded.
#include "middleware/rate_limit.hpp"

#include <string>

#include <catch2/catch.hpp>

using snasio::middleware::rate_limiter;
using namespace std::chrono_literals;

TEST_CASE("a burst passes at once, then one request per interval", "[rate_limit]") {
  rate_limiter limit({2, 3}, 100);  // 2 per second, 3 at once
  auto t = rate_limiter::clock::time_point{} + 1000s;
  CHECK(limit.admit("a", t) == 0);
  CHECK(limit.admit("a", t) == 0);
  CHECK(limit.admit("a", t) == 0);
  CHECK(limit.admit("a", t) == 1);  // Retry-After: the next is due in 0.5 s, said as 1
  CHECK(limit.admit("b", t) == 0);  // another client has its own allowance
  CHECK(limit.admit("a", t + 499ms) >= 1);
  CHECK(limit.admit("a", t + 500ms) == 0);
  CHECK(limit.admit("a", t + 500ms) >= 1);
  // Idle long enough, the whole burst is back, and no more.
  t += 60s;
  for (int i = 0; i < 3; ++i) CHECK(limit.admit("a", t) == 0);
  CHECK(limit.admit("a", t) >= 1);
}

TEST_CASE("Retry-After says how long, in whole seconds", "[rate_limit]") {
  rate_limiter limit({0.1, 1}, 100);  // one per 10 s
  auto t = rate_limiter::clock::time_point{} + 1000s;
  CHECK(limit.admit("a", t) == 0);
  CHECK(limit.admit("a", t) == 10);
  CHECK(limit.admit("a", t + 7500ms) == 3);
}

TEST_CASE("memory is bounded: stale clients are swept, newcomers share one allowance when full", "[rate_limit]") {
  rate_limiter limit({1, 1}, 3);
  auto t = rate_limiter::clock::time_point{} + 1000s;
  for (std::string c : {"a", "b", "c"}) CHECK(limit.admit(c, t) == 0);
  CHECK(limit.clients() == 3);
  // Full of clients still limited: newcomers share the overflow allowance.
  CHECK(limit.admit("d", t) == 0);
  CHECK(limit.admit("e", t) >= 1);
  CHECK(limit.clients() == 4);  // the three and the shared one, never more
  for (int i = 0; i < 1000; ++i) limit.admit("x" + std::to_string(i), t);
  CHECK(limit.clients() == 4);
  // Later, the stale ones are swept and a newcomer gets a place of its own.
  CHECK(limit.admit("f", t + 5s) == 0);
  CHECK(limit.admit("f", t + 5s) >= 1);
  CHECK(limit.admit("g", t + 5s) == 0);
  CHECK(limit.clients() <= 4);
}

TEST_CASE("a full table is swept at most once a second", "[rate_limit]") {
  rate_limiter limit({1, 1}, 2);
  auto t = rate_limiter::clock::time_point{} + 1000s;
  CHECK(limit.admit("a", t) == 0);
  CHECK(limit.admit("b", t) == 0);
  CHECK(limit.admit("c", t) == 0);                   // full: swept (nothing stale), the shared allowance
  CHECK(limit.admit("a", t + 1500ms) == 0);          // a, b and the shared one are stale by now
  CHECK(limit.admit("d", t + 1500ms) == 0);          // full, swept again (a second on): d gets a place
  CHECK(limit.admit("e", t + 1600ms) == 0);          // full, not swept so soon: e takes the shared allowance
  CHECK(limit.admit("f", t + 1600ms) >= 1);          // and f finds it spent
}
