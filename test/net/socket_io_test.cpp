#include "net/socket_io.hpp"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

// The reads' recv(2) calls, counted: this definition stands in for libc's in
// this executable (Asio's non-blocking read calls ::recv).
static int recv_calls = 0;
extern "C" ssize_t recv(int fd, void* buf, size_t n, int flags) {
  ++recv_calls;
  return syscall(SYS_recvfrom, fd, buf, n, flags, nullptr, nullptr);
}

namespace {

using snasio::net::drained_read;
using snasio::net::stream_socket;
using snasio::net::whole_write;

// What a connection would be: it owns a read and a write and is told how they went.
struct reader : std::enable_shared_from_this<reader> {
  reader(asio::io_context& io, int fd) : socket(io, asio::generic::stream_protocol(AF_UNIX, SOCK_STREAM), fd) {}
  void start(bool trust) { read.start(socket, asio::buffer(buffer), shared_from_this(), trust); }
  void on_read(const asio::error_code& ec, std::size_t n) {
    got.push_back(ec ? ec.message() : std::string(buffer.data(), n));
  }
  void on_write(const asio::error_code& ec) { wrote.push_back(ec ? ec.message() : "all"); }

  stream_socket socket;
  drained_read<reader> read;
  whole_write<reader> write;
  std::vector<std::string> wrote;
  std::array<char, 4> buffer{};
  std::vector<std::string> got;
};

struct pair_of_sockets {
  pair_of_sockets() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
  ~pair_of_sockets() { ::close(fds[1]); }  // fds[0] belongs to the reader's socket
  void send(const std::string& s) { REQUIRE(::write(fds[1], s.data(), s.size()) == ssize_t(s.size())); }
  std::string receive_all_there_is() {
    std::string out(1 << 16, '\0');
    ssize_t n = ::recv(fds[1], out.data(), out.size(), MSG_DONTWAIT);
    out.resize(n > 0 ? std::size_t(n) : 0);
    return out;
  }
  int fds[2];
};

// A reader on one end of a socket pair, and the other end to send from.
struct connected {
  asio::io_context io;
  // Between reads, poll() does not stop the io_context.
  asio::executor_work_guard<asio::io_context::executor_type> busy = asio::make_work_guard(io);
  pair_of_sockets peer;
  std::shared_ptr<reader> r = std::make_shared<reader>(io, peer.fds[0]);
};

// A keep-alive connection's reads: each request arrives when the read is
// already waiting, as the client sends the next only after its answer. The
// recv calls made so far after each step: the first read (nothing there
// yet), "ab" arriving, the next read started, "cd" arriving.
std::vector<int> recv_calls_over_two_requests(bool trust_short_reads) {
  connected c;
  auto& [io, busy, peer, r] = c;
  std::vector<int> calls;
  recv_calls = 0;
  r->start(trust_short_reads);
  io.poll();
  calls.push_back(recv_calls);
  peer.send("ab");
  io.run_one();
  calls.push_back(recv_calls);
  r->start(trust_short_reads);
  io.poll();
  calls.push_back(recv_calls);
  CHECK(r->got == std::vector<std::string>{"ab"});
  peer.send("cd");  // epoll's event for it starts the read
  io.run_one();
  calls.push_back(recv_calls);
  CHECK(r->got == std::vector<std::string>{"ab", "cd"});
  return calls;
}

}  // namespace

TEST_CASE("after a read that returned fewer bytes than asked, the next waits for epoll instead of trying recv") {
  // "ab" emptied the socket: the next read makes no recv that would fail with EAGAIN.
  CHECK(recv_calls_over_two_requests(true) == std::vector<int>{1, 2, 2, 3});
}

TEST_CASE("without trusting short reads, a read tries first, as Asio's own does") {
  CHECK(recv_calls_over_two_requests(false) == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("an end of stream that came with the data is seen by the next read when short reads are not trusted") {
  // A client that sends its request and shuts down its side: the connection
  // trusts no short read for its first request, so it answers and closes at once.
  connected c;
  auto& [io, busy, peer, r] = c;
  peer.send("ab");
  ::shutdown(peer.fds[1], SHUT_WR);
  r->start(false);
  io.poll();
  r->start(false);
  io.poll();
  CHECK(r->got == std::vector<std::string>{"ab", asio::error_code(asio::error::eof).message()});
}

TEST_CASE("a read that fills its buffer keeps trying: the rest is read without waiting for an event") {
  connected c;
  auto& [io, busy, peer, r] = c;
  peer.send("0123456789");
  for (int i = 0; i < 3; ++i) {
    r->start(true);
    io.poll();
  }
  CHECK(r->got == std::vector<std::string>{"0123", "4567", "89"});
}

TEST_CASE("a waiting read releases its owner when the socket closes, and when the io_context goes") {
  pair_of_sockets peer;
  std::weak_ptr<reader> gone;
  {
    asio::io_context io;
    auto r = std::make_shared<reader>(io, peer.fds[0]);
    r->start(true);
    io.poll();
    CHECK(r.use_count() == 2);  // the waiting read holds it
    r->socket.close();
    io.poll();
    CHECK(r->got == std::vector<std::string>{asio::error_code(asio::error::operation_aborted).message()});
    CHECK(r.use_count() == 1);
  }
  {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    auto io = std::make_unique<asio::io_context>();
    auto r = std::make_shared<reader>(*io, fds[0]);
    r->start(true);
    io->poll();
    gone = r;
    r.reset();
    CHECK_FALSE(gone.expired());  // only the read keeps it now
    io.reset();                    // destroyed with the read queued: no call, the owner released
    CHECK(gone.expired());
    ::close(fds[1]);
  }
}

TEST_CASE("a write sends every byte of its buffers, in order, across the sends a full socket cuts short") {
  connected c;
  auto& [io, busy, peer, r] = c;
  int small = 4096;
  REQUIRE(::setsockopt(peer.fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
  // More buffers than one sendmsg takes (64), of sizes that end sends mid-buffer.
  std::vector<std::string> pieces;
  std::string expected;
  for (int i = 0; i < 150; ++i) {
    // Some empty, as a stream's last piece can be.
    pieces.push_back(std::string(i % 10 == 9 ? 0 : std::size_t(1 + i * 37 % 3001), char('a' + i % 26)));
    expected += pieces.back();
  }
  std::vector<asio::const_buffer> buffers;
  for (const auto& p : pieces) buffers.push_back(asio::buffer(p));
  r->write.start(r->socket, buffers, r);
  std::string received;
  for (int rounds = 0; r->wrote.empty() && rounds < 100000; ++rounds) {
    io.poll();
    received += peer.receive_all_there_is();
  }
  received += peer.receive_all_there_is();
  CHECK(r->wrote == std::vector<std::string>{"all"});
  CHECK(received.size() == expected.size());
  CHECK(received == expected);
}

TEST_CASE("a write the peer never reads waits, and releases its owner when the socket closes") {
  connected c;
  auto& [io, busy, peer, r] = c;
  std::string lots(8 << 20, 'x');  // more than the socket pair's buffers hold
  std::vector<asio::const_buffer> buffers{asio::buffer(lots)};
  r->write.start(r->socket, buffers, r);
  io.poll();
  CHECK(r->wrote.empty());
  CHECK(r.use_count() == 2);  // the fixture's and the waiting write's
  r->socket.close();
  io.poll();
  CHECK(r->wrote == std::vector<std::string>{asio::error_code(asio::error::operation_aborted).message()});
  CHECK(r.use_count() == 1);
}
