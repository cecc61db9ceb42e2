#include "net/response_slots.hpp"

#include <catch2/catch.hpp>

using snasio::http::framing;
using snasio::net::listening;
using snasio::net::response_slots;

namespace {

// A listener the slots keep for a request; the slots never call it.
struct nobody final : snasio::net::request_listener {
  void abandoned(std::uint64_t) override {}
  void written(std::uint64_t) override {}
  void room(std::uint64_t) override {}
} someone;

listening listener(std::uint64_t tag, bool written_too = false) { return {&someone, tag, written_too}; }

std::vector<std::uint64_t> tags(const std::vector<listening>& ls) {
  std::vector<std::uint64_t> out;
  for (const auto& l : ls) out.push_back(l.tag);
  return out;
}

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
  slots.fill(b, "B");
  slots.fill(a, "A");
  CHECK(take(slots) == std::vector<std::string>{"A", "100", "B"});
  CHECK_FALSE(slots.release_taken());
}

TEST_CASE("shutdown: every answer owed is written, the last one closes", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive()), b = slots.reserve(keep_alive()), c = slots.reserve(keep_alive());
  slots.close_after_last();
  REQUIRE(slots.waiting(a) != nullptr);
  CHECK(slots.waiting(a)->keep_alive);
  CHECK(slots.waiting(b)->keep_alive);
  CHECK_FALSE(slots.waiting(c)->keep_alive);
  slots.fill(c, "C");
  slots.fill(b, "B");
  slots.fill(a, "A");
  CHECK(take(slots) == std::vector<std::string>{"A", "B", "C"});
  CHECK(slots.release_taken());
}

TEST_CASE("shutdown with the last answer filled already changes nothing owed", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive()), b = slots.reserve(keep_alive());
  slots.fill(b, "B");
  slots.close_after_last();
  CHECK(slots.waiting(a)->keep_alive);
  slots.fill(a, "A");
  CHECK(take(slots) == std::vector<std::string>{"A", "B"});
  CHECK_FALSE(slots.release_taken());
}

TEST_CASE("the answers still owed are known, with their listeners, to tell them", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive()), b = slots.reserve(keep_alive()), c = slots.reserve(keep_alive());
  slots.listen(a, listener(11));
  slots.listen(b, listener(12));
  slots.fill(b, "B");  // answered: nobody to tell
  auto owed = slots.owed();
  REQUIRE(owed.size() == 2);
  CHECK((owed[0].slot == a && owed[0].listener.by == &someone && owed[0].listener.tag == 11));
  CHECK((owed[1].slot == c && owed[1].listener.by == nullptr));
  slots.clear();
  CHECK(slots.owed().empty());
  CHECK(slots.waiting(a) == nullptr);
}

TEST_CASE("listeners that asked are told once their answers are written, or never will be", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive()), b = slots.reserve(keep_alive()), c = slots.reserve(keep_alive());
  slots.listen(a, listener(21, true));
  slots.listen(b, listener(22, false));  // did not ask
  slots.listen(c, listener(23, true));
  slots.fill(a, "A");
  slots.fill(b, "B");
  slots.fill(c, "C");
  std::vector<std::string> first;
  slots.take_filled(first);
  CHECK(tags(slots.unwritten()) == std::vector<std::uint64_t>{21, 23});  // taken, the write still in flight
  std::vector<listening> written;
  CHECK_FALSE(slots.release_taken(&written));
  CHECK(tags(written) == std::vector<std::uint64_t>{21, 23});
  CHECK(slots.unwritten().empty());

  // A client that leaves with an answer filled but not yet written: its
  // listener hears of it from unwritten(), at the close; one still owed does not.
  auto d = slots.reserve(keep_alive()), e = slots.reserve(keep_alive()), f = slots.reserve(keep_alive());
  slots.listen(d, listener(24, true));
  slots.listen(e, listener(25, true));
  slots.listen(f, listener(26, true));
  slots.fill(e, "E");  // filled behind d, which is still owed
  CHECK(tags(slots.unwritten()) == std::vector<std::uint64_t>{25});
}

TEST_CASE("a stream's pieces are chunked and keep the slots behind it waiting", "[response_slots]") {
  using body = response_slots::stream_body;
  response_slots slots;
  auto s = slots.reserve(keep_alive()), next = slots.reserve(keep_alive());
  slots.fill(next, "NEXT");
  slots.open_stream(s, "HEAD", body::chunked);
  CHECK(slots.stream_listener(s).by == nullptr);  // nobody listens
  CHECK(take(slots) == std::vector<std::string>{"HEAD"});
  CHECK(slots.stream_taken());
  CHECK(slots.buffered(s, 4) == 4);  // the head, in the write in flight
  CHECK(slots.append(s, "hello"));
  CHECK(slots.append(s, ""));  // nothing: an empty chunk would end the body
  CHECK(slots.buffered(s, 4) == 4 + 10);
  CHECK_FALSE(slots.release_taken());
  CHECK(take(slots) == std::vector<std::string>{"5\r\nhello\r\n"});  // the stream only: NEXT waits
  CHECK_FALSE(slots.release_taken());
  slots.end_stream(s, false);
  CHECK_FALSE(slots.append(s, "late"));
  CHECK(take(slots) == std::vector<std::string>{"0\r\n\r\n", "NEXT"});
  CHECK_FALSE(slots.release_taken());
  CHECK(slots.empty());
}

TEST_CASE("a cut stream closes the connection without a last chunk", "[response_slots]") {
  using body = response_slots::stream_body;
  response_slots slots;
  auto s = slots.reserve(keep_alive());
  slots.reserve(keep_alive());
  slots.listen(s, listener(7));
  slots.open_stream(s, "HEAD", body::chunked);
  CHECK(slots.stream_listener(s).tag == 7);
  CHECK(slots.owed().size() == 2);  // an open stream still owes its end
  slots.append(s, "part");
  slots.end_stream(s, true);
  CHECK(take(slots) == std::vector<std::string>{"HEAD4\r\npart\r\n"});
  CHECK(slots.release_taken());  // closes: the request behind it is never answered
}

TEST_CASE("sized and HTTP/1.0 streams send their pieces as they are", "[response_slots]") {
  using body = response_slots::stream_body;
  response_slots slots;
  auto sized = slots.reserve(keep_alive());
  slots.open_stream(sized, "H", body::sized);
  slots.append(sized, "abc");
  slots.end_stream(sized, false);
  CHECK(take(slots) == std::vector<std::string>{"Habc"});
  CHECK_FALSE(slots.release_taken());  // the connection stays open
  auto until_close = slots.reserve(keep_alive());
  slots.open_stream(until_close, "H", body::until_close);
  slots.append(until_close, "xyz");
  slots.end_stream(until_close, false);
  CHECK(take(slots) == std::vector<std::string>{"Hxyz"});
  CHECK(slots.release_taken());  // the end of the connection ends the body
}

TEST_CASE("a drain makes the newest answer close, owed or made and waiting its turn", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive()), b = slots.reserve(keep_alive());
  slots.fill(b, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB");  // made, waiting behind a
  slots.close_after_last();
  slots.fill(a, "A");
  CHECK(take(slots) == std::vector<std::string>{"A", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\nB"});
  CHECK(slots.release_taken());  // b closes the connection
}

TEST_CASE("the slots count the bytes not yet sent and the answers not yet made", "[response_slots]") {
  response_slots slots;
  auto a = slots.reserve(keep_alive()), b = slots.reserve(keep_alive()), c = slots.reserve(keep_alive());
  slots.mark_unsafe(c);  // a POST, say
  CHECK(slots.unmade() == 3);
  CHECK(slots.unmade_unsafe());
  slots.fill(b, "BB");
  CHECK(slots.unsent() == 2);  // made, waiting behind a
  slots.fill(a, "AAA");
  CHECK(slots.unsent() == 5);
  CHECK(take(slots) == std::vector<std::string>{"AAA", "BB"});
  CHECK(slots.unsent() == 0);  // taken for a write: in flight, no longer waiting
  CHECK(slots.unmade() == 1);
  slots.fill(c, "C");
  CHECK(slots.unmade() == 0);
  CHECK_FALSE(slots.unmade_unsafe());
}

TEST_CASE("slots that do not exist answer nothing, and change nothing", "[response_slots]") {
  response_slots slots;
  std::uint64_t n = slots.reserve(framing{});
  for (std::uint64_t absent : {n + 1, n + 100}) {
    CHECK(slots.buffered(absent, 10) == 0);
    CHECK(slots.stream_listener(absent).by == nullptr);
    CHECK(slots.note(absent) == nullptr);
    CHECK(slots.waiting(absent) == nullptr);
    slots.listen(absent, listening{});
    slots.set_note(absent, {"client", "GET", "/", {}});
    CHECK_FALSE(slots.append(absent, "x"));
    slots.end_stream(absent, false);
  }
  CHECK(slots.note(n) == nullptr);
  slots.set_note(n, {"client", "GET", "/", {}});
  REQUIRE(slots.note(n) != nullptr);
  CHECK(slots.note(n)->method == "GET");
  CHECK(slots.stream_listener(n).by == nullptr);  // not a stream
}

TEST_CASE("a compressed stream: each piece coded, then the coding's end, in every framing", "[response_slots]") {
  using body = response_slots::stream_body;
  for (auto framed : {body::chunked, body::until_close, body::sized}) {
    for (bool cut : {false, true}) {
      response_slots slots;
      std::uint64_t n = slots.reserve(framing{});
      slots.open_stream(n, "HEAD\r\n\r\n", framed, snasio::http::make_encoder(snasio::http::coding::gzip, 5));
      CHECK(slots.append(n, std::string(100, 'a')));
      CHECK(slots.buffered(n, 0) > 8);
      slots.end_stream(n, cut);
      std::vector<std::string> out;
      slots.take_filled(out);
      REQUIRE_FALSE(out.empty());
      std::string all;
      for (auto& o : out) all += o;
      CHECK(all.starts_with("HEAD\r\n\r\n"));
      CHECK(all.ends_with("0\r\n\r\n") == (framed == body::chunked && !cut));
    }
  }
}
