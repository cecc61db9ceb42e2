#include "python/one_shot.hpp"

#include <thread>

#include <catch2/catch.hpp>

#include "net/responder.hpp"

using snasio::http::response;
using snasio::net::connection;
using snasio::net::responder;
using snasio::python::one_shot;
using snasio::python::reply_queue;

// These tests use responders whose connection is already gone (an empty weak
// pointer), which is exactly the case that must be safe: the reply is dropped.
namespace {
responder gone_responder(std::uint64_t slot = 0) { return responder(std::weak_ptr<connection>(), slot); }
}  // namespace

TEST_CASE("replies pushed before the reactor runs share one delivery", "[one_shot]") {
  asio::io_context reactor;
  reply_queue replies(reactor.get_executor());
  std::vector<reply_queue::reply> batch;
  for (int i = 0; i < 5; ++i) batch.push_back({gone_responder(i), response::json(200, "{}")});
  replies.push(batch);
  CHECK(batch.empty());
  replies.push({gone_responder(9), response::json(200, "{}")});
  // One handler posted for all six replies; delivering to gone connections drops them safely.
  CHECK(reactor.poll() == 1);
  CHECK(reactor.poll() == 0);
}

TEST_CASE("a push after a delivery posts again", "[one_shot]") {
  asio::io_context reactor;
  reply_queue replies(reactor.get_executor());
  replies.push({gone_responder(), response::json(200, "{}")});
  CHECK(reactor.poll() == 1);
  reactor.restart();  // poll() ran out of work, which stops an io_context
  replies.push({gone_responder(), response::json(200, "{}")});
  CHECK(reactor.poll() == 1);
}

TEST_CASE("replies from another thread are delivered on the reactor", "[one_shot]") {
  asio::io_context reactor;
  auto guard = asio::make_work_guard(reactor);
  reply_queue replies(reactor.get_executor());
  std::thread gil([&] {
    for (int i = 0; i < 1000; ++i) replies.push({gone_responder(i), response::json(200, "{}")});
    asio::post(reactor, [&] { guard.reset(); });
  });
  std::size_t handlers = reactor.run();
  gil.join();
  // Batching means far fewer deliveries than replies, but at least one ran.
  CHECK(handlers >= 2);
  CHECK(handlers <= 1001);
}

TEST_CASE("a one_shot answers exactly once", "[one_shot]") {
  asio::io_context reactor;
  reply_queue replies(reactor.get_executor());
  one_shot reply(gone_responder(), replies);
  REQUIRE(reply);
  auto r = reply.take(response::json(201, "{}"));
  CHECK(r.response.status == 201);
  CHECK_FALSE(reply);
  CHECK(reactor.poll() == 0);  // take() hands the reply over without posting
}

TEST_CASE("a one_shot dropped unanswered still answers, with a 500", "[one_shot]") {
  asio::io_context reactor;
  reply_queue replies(reactor.get_executor());
  { one_shot forgotten(gone_responder(), replies); }
  CHECK(reactor.poll() == 1);
}

TEST_CASE("a moved-from one_shot owes nothing", "[one_shot]") {
  asio::io_context reactor;
  reply_queue replies(reactor.get_executor());
  one_shot a(gone_responder(), replies);
  one_shot b(std::move(a));
  CHECK_FALSE(a);
  CHECK(b);
  (void)b.take(response::json(200, "{}"));
  CHECK(reactor.poll() == 0);
}

TEST_CASE("a one_shot knows when its connection is gone", "[one_shot]") {
  asio::io_context reactor;
  reply_queue replies(reactor.get_executor());
  one_shot reply(gone_responder(), replies);
  CHECK(reply.abandoned());
  (void)reply.take(response::json(200, "{}"));
}
