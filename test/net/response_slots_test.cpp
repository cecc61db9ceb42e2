#include "net/response_slots.hpp"

#include <catch2/catch.hpp>

using snasio::http::framing;
using snasio::net::response_slots;

namespace {

framing keep_alive() { return framing{}; }

framing closing() {
  framing f;
  f.keep_alive = false;
  return f;
}

std::vector<std::string> take(response_slots& slots) {
  std::vector<std::string> out;
  slots.take_filled(out);
  return out;
}

}  // namespace

TEST_CASE("answers filled out of order are written in request order", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive()), b = slots.reserve(keep_alive()), c = slots.reserve(keep_alive());
  slots.fill(c, "C");
  slots.fill(b, "B");
  CHECK(take(slots).empty());  // the oldest is still owed: nothing may overtake it
  slots.fill(a, "A");
  CHECK(take(slots) == std::vector<std::string>{"A", "B", "C"});
  CHECK_FALSE(slots.release_taken());
  CHECK(slots.empty());
}

TEST_CASE("a write takes only the filled slots at the front", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive()), b = slots.reserve(keep_alive()), c = slots.reserve(keep_alive());
  slots.fill(a, "A");
  slots.fill(c, "C");
  CHECK(take(slots) == std::vector<std::string>{"A"});
  // While A is being written, B arrives: it is taken after A, not again A.
  slots.fill(b, "B");
  CHECK(take(slots) == std::vector<std::string>{"B", "C"});
  CHECK_FALSE(slots.release_taken());
  CHECK(slots.size() == 0);
}

TEST_CASE("nothing after a response that closes the connection is written", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(closing()), b = slots.reserve(keep_alive());
  slots.fill(b, "B");
  slots.fill(a, "A");
  CHECK(take(slots) == std::vector<std::string>{"A"});
  CHECK(take(slots).empty());
  CHECK(slots.release_taken());
}

TEST_CASE("a slot is answered once; unknown and written slots are ignored", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive());
  CHECK(slots.waiting(a) != nullptr);
  CHECK(slots.waiting(a + 1) == nullptr);
  slots.fill(a, "first");
  CHECK(slots.waiting(a) == nullptr);
  slots.fill(a, "second");
  slots.fill(a + 7, "never reserved");
  CHECK(take(slots) == std::vector<std::string>{"first"});
  slots.release_taken();
  CHECK(slots.waiting(a) == nullptr);
  slots.fill(a, "late");
  CHECK(take(slots).empty());
  // Numbers keep counting after the front slots are gone.
  CHECK(slots.reserve(keep_alive()) == a + 1);
}

TEST_CASE("an interim 100 takes its place in line and keeps the connection open", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive());
  slots.push_filled("100");
  auto b = slots.reserve(keep_alive());
  CHECK(b == a + 2);
  slots.fill(a, "A");
  slots.close_after_waiting();  // shutdown: only answers still owed change
  slots.fill(b, "B");
  CHECK(take(slots) == std::vector<std::string>{"A", "100", "B"});
  CHECK(slots.release_taken());  // B closes: it was still owed at shutdown
}

TEST_CASE("shutdown: the answers still owed will close the connection", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive());
  slots.fill(a, "A");
  auto b = slots.reserve(keep_alive());
  slots.close_after_waiting();
  REQUIRE(slots.waiting(b) != nullptr);
  CHECK_FALSE(slots.waiting(b)->keep_alive);
  CHECK(take(slots) == std::vector<std::string>{"A"});
  CHECK_FALSE(slots.release_taken());
}

TEST_CASE("the jobs still owing answers are known, for cancellation", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive()), b = slots.reserve(keep_alive()), c = slots.reserve(keep_alive());
  slots.set_job(a, 11);
  slots.set_job(b, 12);
  slots.fill(b, "B");  // answered: nothing to cancel
  slots.set_job(c, 0);
  CHECK(slots.waiting_jobs() == std::vector<std::uint64_t>{11});
  slots.clear();
  CHECK(slots.waiting_jobs().empty());
  CHECK(slots.waiting(a) == nullptr);
}
