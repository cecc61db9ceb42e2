// What a connection gets out of the bytes a client sends, however TCP cuts
// them up: requests, in order, or one error with the status to answer.
#include "http/request_parser.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

namespace {

using snasio::http::limits;
using snasio::http::request;
using snasio::http::request_parser;
using state = request_parser::state;
using pieces = std::vector<std::string>;

/// A request as one readable string: start line, headers (values in brackets,
/// so whitespace shows), a blank line, the body.
std::string describe(const request& r) {
  std::string s = r.method + " " + r.target + " HTTP/" + std::to_string(r.version_major) + "." +
                  std::to_string(r.version_minor) + (r.keep_alive ? " keep-alive\n" : " close\n");
  for (const auto& h : r.headers) s += h.name + ": [" + h.value + "]\n";
  s += "\n" + r.body;
  for (const auto& t : r.trailers) s += "\ntrailer " + t.name + ": [" + t.value + "]";
  return s;
}

/// Everything that came out of one stream of input.
struct outcome {
  std::vector<std::string> requests;  ///< describe() of each complete request, in order
  int error_status = 0;               ///< 0 when no error stopped the stream
  std::string error_reason;
  int continues = 0;  ///< how often the parser said "send 100 Continue now"

  /// One string, so that a mismatch prints everything.
  std::string summary() const {
    std::string s;
    for (const auto& r : requests) s += "--- request\n" + r + "\n";
    s += "--- error " + std::to_string(error_status) + " " + error_reason;
    return s + "\n--- continues " + std::to_string(continues);
  }
};

/// Feeds the pieces one after another, as a connection does: bytes that a call
/// did not consume stay in the buffer and are shown again with the next piece;
/// a complete request is taken; an error ends the stream.
outcome feed(const pieces& input, const limits& l = {}) {
  request_parser parser(l);
  outcome out;
  std::string buffer;
  for (const auto& piece : input) {
    buffer += piece;
    for (;;) {
      std::size_t used = 0;
      state s = parser.parse(buffer, used);
      REQUIRE(used <= buffer.size());
      buffer.erase(0, used);
      if (s == state::error) {
        out.error_status = parser.error_status();
        out.error_reason = parser.error_reason();
        return out;
      }
      if (s == state::incomplete) {
        REQUIRE(buffer.empty());  // an unfinished request uses up everything it is shown
        if (parser.take_expect_continue()) ++out.continues;
        break;
      }
      out.requests.push_back(describe(parser.take()));
    }
  }
  return out;
}

pieces whole(std::string_view raw) { return {std::string(raw)}; }

pieces split_at(std::string_view raw, std::size_t at) {
  return {std::string(raw.substr(0, at)), std::string(raw.substr(at))};
}

pieces byte_by_byte(std::string_view raw) {
  pieces out;
  for (char c : raw) out.emplace_back(1, c);
  return out;
}

/// Checks that `raw` gives the same outcome cut at every byte boundary and fed
/// byte by byte as it gives fed whole; returns that outcome.
outcome same_however_split(std::string_view raw, const limits& l = {}) {
  const outcome expected = feed(whole(raw), l);
  for (std::size_t at = 1; at < raw.size(); ++at) {
    INFO("split at byte " << at << " of " << raw.size());
    REQUIRE(feed(split_at(raw, at), l).summary() == expected.summary());
  }
  INFO("fed byte by byte");
  REQUIRE(feed(byte_by_byte(raw), l).summary() == expected.summary());
  return expected;
}

/// A sample request and how it must parse (in describe() form).
struct sample {
  const char* name;
  std::string raw;
  std::string expected;
};

const std::vector<sample>& samples() {
  static const std::vector<sample> table = {
      {"GET with a query",
       "GET /hello?name=world&x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test/1.0\r\n\r\n",
       "GET /hello?name=world&x=1 HTTP/1.1 keep-alive\nHost: [example.com]\nUser-Agent: [test/1.0]\n\n"},
      {"target kept encoded, header names keep their case",
       "GET /caf%C3%A9/a%2Fb?q=a+b%20c HTTP/1.1\r\nHost: h\r\nX-MiXeD-CaSe: v\r\n\r\n",
       "GET /caf%C3%A9/a%2Fb?q=a+b%20c HTTP/1.1 keep-alive\nHost: [h]\nX-MiXeD-CaSe: [v]\n\n"},
      {"POST with Content-Length (CRLF inside the body is data)",
       "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n"
       "{\"a\": 1}\r\n\r\n{\"b\": 2}",
       "POST /echo HTTP/1.1 keep-alive\nHost: [a]\nContent-Type: [application/json]\nContent-Length: [20]\n\n"
       "{\"a\": 1}\r\n\r\n{\"b\": 2}"},
      {"POST with an empty body", "POST /empty HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
       "POST /empty HTTP/1.1 keep-alive\nHost: [h]\nContent-Length: [0]\n\n"},
      {"chunked, with chunk extensions and trailers",
       "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5;name=value\r\nhello\r\n6;flag\r\n world\r\nA;quoted=\"a b\"\r\n, chunked!\r\n0\r\n"
       "X-Checksum: abc\r\nX-Count: 3\r\n\r\n",
       "POST /upload HTTP/1.1 keep-alive\nHost: [h]\nTransfer-Encoding: [chunked]\n\n"
       "hello world, chunked!\ntrailer X-Checksum: [abc]\ntrailer X-Count: [3]"},
      {"trailers never become headers: a second Host, a Content-Type, forwarding, an id stay trailers",
       "POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n"
       "Host: evil\r\nContent-Type: application/json\r\nX-Forwarded-For: 6.6.6.6\r\nX-Request-ID: forged\r\n"
       "Content-Length: 99\r\n\r\n",
       "POST /t HTTP/1.1 keep-alive\nHost: [h]\nTransfer-Encoding: [chunked]\n\n{}\ntrailer Host: [evil]"
       "\ntrailer Content-Type: [application/json]\ntrailer X-Forwarded-For: [6.6.6.6]\ntrailer X-Request-ID: [forged]"
       "\ntrailer Content-Length: [99]"},
      {"chunked, hex sizes with leading zeros, no trailers",
       "PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n00a\r\n0123456789\r\n1F\r\n"
       "abcdefghijklmnopqrstuvwxyzABCDE\r\n000\r\n\r\n",
       "PUT /x HTTP/1.1 keep-alive\nHost: [h]\nTransfer-Encoding: [chunked]\n\n"
       "0123456789abcdefghijklmnopqrstuvwxyzABCDE"},
      {"header values lose the whitespace around them, keep what is inside",
       "GET / HTTP/1.1\r\nHost: h\r\nX-Spaces:   a  b  \r\nX-Tabs:\t\tv\t\r\nX-Empty:\r\nX-Blank:   \r\n\r\n",
       "GET / HTTP/1.1 keep-alive\nHost: [h]\nX-Spaces: [a  b]\nX-Tabs: [v]\nX-Empty: []\nX-Blank: []\n\n"},
      {"obs-fold continues the value, the fold becoming spaces (RFC 9112 5.2)",
       "GET / HTTP/1.1\r\nHost: h\r\nX-Folded: first\r\n  second\r\nX-Next: n\r\n\r\n",
       "GET / HTTP/1.1 keep-alive\nHost: [h]\nX-Folded: [first  second]\nX-Next: [n]\n\n"},
      {"a repeated header stays two headers",
       "GET / HTTP/1.1\r\nHost: h\r\nAccept: a\r\naccept: b\r\n\r\n",
       "GET / HTTP/1.1 keep-alive\nHost: [h]\nAccept: [a]\naccept: [b]\n\n"},
      {"HTTP/1.1 with Connection: close", "GET /bye HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
       "GET /bye HTTP/1.1 close\nHost: [h]\nConnection: [close]\n\n"},
      {"HTTP/1.0 closes by default", "GET /old HTTP/1.0\r\nHost: a\r\n\r\n",
       "GET /old HTTP/1.0 close\nHost: [a]\n\n"},
      {"HTTP/1.0 with keep-alive and a body",
       "POST /form HTTP/1.0\r\nConnection: Keep-Alive\r\nContent-Length: 3\r\n\r\na=1",
       "POST /form HTTP/1.0 keep-alive\nConnection: [Keep-Alive]\nContent-Length: [3]\n\na=1"},
      {"HEAD", "HEAD /health HTTP/1.1\r\nHost: h\r\n\r\n", "HEAD /health HTTP/1.1 keep-alive\nHost: [h]\n\n"},
      {"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "OPTIONS * HTTP/1.1 keep-alive\nHost: [h]\n\n"},
      {"absolute-form target", "GET http://example.com/a?b HTTP/1.1\r\nHost: h\r\n\r\n",
       "GET http://example.com/a?b HTTP/1.1 keep-alive\nHost: [h]\n\n"},
      {"an empty line before the request line is ignored (RFC 9112 2.2)",
       "\r\nDELETE /users/7 HTTP/1.1\r\nHost: h\r\n\r\n", "DELETE /users/7 HTTP/1.1 keep-alive\nHost: [h]\n\n"},
  };
  return table;
}

}  // namespace

TEST_CASE("every sample request parses as expected, however it is split", "[request_parser]") {
  for (const auto& s : samples()) {
    INFO(s.name);
    outcome o = same_however_split(s.raw);
    CHECK(o.error_status == 0);
    REQUIRE(o.requests.size() == 1);
    CHECK(o.requests[0] == s.expected);
  }
}

TEST_CASE("pipelined requests come out one at a time, each consuming its own bytes", "[request_parser]") {
  std::string stream;
  std::vector<std::size_t> sizes;
  std::vector<std::string> expected;
  // A request that closes the connection must come last: nothing may follow it.
  for (const auto& s : samples()) {
    if (s.expected.find(" close\n") != std::string::npos) continue;
    stream += s.raw;
    sizes.push_back(s.raw.size());
    expected.push_back(s.expected);
  }

  request_parser parser;
  std::string_view rest = stream;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    INFO("request " << i);
    std::size_t used = 0;
    REQUIRE(parser.parse(rest, used) == state::complete);
    CHECK(used == sizes[i]);
    CHECK(describe(parser.take()) == expected[i]);
    rest.remove_prefix(used);
  }
  std::size_t used = 0;
  CHECK(parser.parse(rest, used) == state::incomplete);
  CHECK(used == 0);

  // And the whole stream cut anywhere gives the same requests in the same order.
  outcome o = same_however_split(stream);
  CHECK(o.error_status == 0);
  CHECK(o.requests == expected);
}

TEST_CASE("nothing may follow a request that closes the connection", "[request_parser]") {
  outcome o = same_however_split("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /more HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(o.requests.size() == 1);
  CHECK(o.error_status == 400);
}

TEST_CASE("after an upgrade or CONNECT request the rest is not parsed as HTTP", "[request_parser]") {
  for (std::string head : {"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
                           "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"}) {
    INFO(head);
    std::string stream = head + "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
    request_parser parser;
    std::size_t used = 0;
    REQUIRE(parser.parse(stream, used) == state::complete);
    CHECK(used == head.size());
    CHECK(parser.must_close());
    parser.take();
    // The rest arrives in another buffer, as it would in a connection.
    const std::string rest = stream.substr(used);
    CHECK(parser.parse(rest, used) == state::error);
    CHECK(used <= rest.size());
  }
}

TEST_CASE("a parser that refused its input refuses everything after", "[request_parser]") {
  request_parser parser;
  std::size_t used = 0;
  std::string bad = "GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n";
  REQUIRE(parser.parse(bad, used) == state::error);
  std::string good = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  CHECK(parser.parse(good, used) == state::error);
  CHECK(used <= good.size());
  CHECK(parser.error_status() == 400);
}

TEST_CASE("a request refused after its head is handed over without its body; before, nothing is", "[request_parser]") {
  limits l;
  l.max_body_bytes = 4;
  request_parser parser(l);
  std::size_t used = 0;
  std::string big = "POST /up?x=1 HTTP/1.0\r\nHost: h\r\nContent-Length: 9\r\n\r\n123456789";
  REQUIRE(parser.parse(big, used) == state::error);
  REQUIRE(parser.error_status() == 413);
  auto refused = parser.refused_request();
  REQUIRE(refused);
  CHECK(refused->method == "POST");
  CHECK(refused->target == "/up?x=1");
  CHECK(refused->version_minor == 0);
  CHECK(refused->header("Host") == "h");
  CHECK(refused->body.empty());
  CHECK_FALSE(refused->keep_alive);
  CHECK(parser.started());  // still in its error: the connection lingers on it

  request_parser cut;
  REQUIRE(cut.parse("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", used) == state::error);
  CHECK_FALSE(cut.refused_request());
  // A head llhttp took whole but whose bytes are refused after it (a bare LF) was never read either.
  request_parser bare;
  REQUIRE(bare.parse("CONNECT \n\n\n", used) == state::error);
  CHECK_FALSE(bare.refused_request());
  request_parser fine;
  REQUIRE(fine.parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n", used) == state::complete);
  CHECK_FALSE(fine.refused_request());
}

// ---------------------------------------------------------------- limits

namespace {

/// A GET whose head (request line, headers, blank line) is exactly `size` bytes.
std::string get_with_head_of(std::size_t size) {
  const std::string start = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ";
  const std::string end = "\r\n\r\n";
  return start + std::string(size - start.size() - end.size(), 'p') + end;
}

/// A GET with `n` header lines.
/// A GET with `n` header lines, Host the first of them.
std::string get_with_headers(std::size_t n) {
  std::string raw = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (std::size_t i = 1; i < n; ++i) raw += "X-H" + std::to_string(i) + ": v\r\n";
  return raw + "\r\n";
}

/// A chunked POST whose trailer section (after "0\r\n") is exactly `size` bytes.
std::string chunked_with_trailers_of(std::size_t size) {
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n";
  const std::string start = "X-Trailer: ";
  const std::string end = "\r\n\r\n";
  return head + start + std::string(size - start.size() - end.size(), 't') + end;
}

}  // namespace

TEST_CASE("the head may be exactly max_header_bytes long; one byte more is 431", "[request_parser][limits]") {
  limits l;
  l.max_header_bytes = 200;

  outcome at = same_however_split(get_with_head_of(200), l);
  CHECK(at.error_status == 0);
  CHECK(at.requests.size() == 1);

  // The body does not count: a head at the limit followed by a body is fine,
  // and so is a second request after it.
  std::string post = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 300\r\nX-Pad: ";
  post += std::string(200 - post.size() - 4, 'p') + "\r\n\r\n" + std::string(300, 'b');
  outcome with_body = same_however_split(post + get_with_head_of(200), l);
  CHECK(with_body.error_status == 0);
  CHECK(with_body.requests.size() == 2);

  outcome over = same_however_split(get_with_head_of(201), l);
  CHECK(over.error_status == 431);
  CHECK(over.requests.empty());

  // A client that never ends its head is stopped at the limit, not buffered.
  outcome endless = feed(whole("GET / HTTP/1.1\r\nHost: h\r\nX-Pad: " + std::string(10000, 'p')), l);
  CHECK(endless.error_status == 431);
}

TEST_CASE("max_headers header lines are accepted; one more is 431", "[request_parser][limits]") {
  limits l;
  l.max_headers = 5;
  CHECK(same_however_split(get_with_headers(5), l).requests.size() == 1);
  outcome over = same_however_split(get_with_headers(6), l);
  CHECK(over.error_status == 431);
  CHECK(over.error_reason == "too many header fields: over 5 (--max-headers)");
}

TEST_CASE("a target of max_url_bytes is accepted; one byte more is 414", "[request_parser][limits]") {
  limits l;
  l.max_url_bytes = 16;
  outcome at = same_however_split("GET /123456789012345 HTTP/1.1\r\nHost: h\r\n\r\n", l);
  REQUIRE(at.requests.size() == 1);
  outcome over = same_however_split("GET /1234567890123456 HTTP/1.1\r\nHost: h\r\n\r\n", l);
  CHECK(over.error_status == 414);
}

TEST_CASE("a Content-Length over max_body_bytes is 413 before any body byte", "[request_parser][limits]") {
  limits l;
  l.max_body_bytes = 10;
  CHECK(same_however_split("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", l).requests.size() == 1);

  // The head alone is enough to refuse: the client need not send the body.
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n";
  request_parser parser(l);
  std::size_t used = 0;
  REQUIRE(parser.parse(head, used) == state::error);
  CHECK(parser.error_status() == 413);
  CHECK(used <= head.size());

  // A length no 64-bit number holds is refused as malformed.
  CHECK(feed(whole("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n"), l).error_status == 400);
}

TEST_CASE("a chunked body over max_body_bytes is 413", "[request_parser][limits]") {
  limits l;
  l.max_body_bytes = 10;
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  outcome at = same_however_split(head + "6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n", l);
  REQUIRE(at.requests.size() == 1);
  outcome over = same_however_split(head + "6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n", l);
  CHECK(over.error_status == 413);
  CHECK(over.requests.empty());
}

TEST_CASE("a chunk whose size takes the body past max_body_bytes is 413 before its data", "[request_parser][limits]") {
  limits l;
  l.max_body_bytes = 10;
  // The size line alone, no data after it: refused at once, not when the data has come.
  outcome o = same_however_split("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n", l);
  CHECK(o.error_status == 413);
  CHECK(o.error_reason == "request body too large: over 10 bytes (--max-body-bytes)");
}

TEST_CASE("OPTIONS * and empty lines before a request line are accepted", "[request_parser]") {
  outcome o = same_however_split("\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(o.requests.size() == 1);
  CHECK(o.requests[0].starts_with("OPTIONS * HTTP/1.1"));
}

TEST_CASE("trailers are counted like a head: max_header_bytes, then 431", "[request_parser][limits]") {
  limits l;
  l.max_header_bytes = 100;
  outcome at = same_however_split(chunked_with_trailers_of(100), l);
  CHECK(at.error_status == 0);
  CHECK(at.requests.size() == 1);
  outcome over = same_however_split(chunked_with_trailers_of(101), l);
  CHECK(over.error_status == 431);
  CHECK(over.error_reason == "trailer fields too large: over 100 bytes (--max-header-bytes)");
}

TEST_CASE("trailer fields are counted against max_headers, on their own", "[request_parser][limits]") {
  limits l;
  l.max_headers = 2;
  std::string raw = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\n\r\n";
  CHECK(same_however_split(raw, l).requests.size() == 1);
  raw.insert(raw.size() - 2, "C: 3\r\n");
  outcome over = same_however_split(raw, l);
  CHECK(over.error_status == 431);
  CHECK(over.error_reason == "too many trailer fields: over 2 (--max-headers)");
}

// ---------------------------------------------------------------- errors

TEST_CASE("malformed requests are refused with a status and a reason", "[request_parser][errors]") {
  struct bad {
    const char* name;
    std::string raw;
    int status;
  };
  const std::string chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::vector<bad> table = {
      {"unknown method", "FETCH / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"lowercase method", "get / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"unknown protocol", "GET / HTTX/1.1\r\n\r\n", 400},
      {"unknown minor version", "GET / HTTP/1.2\r\n\r\n", 400},
      {"HTTP/2.0 request line", "GET / HTTP/2.0\r\n\r\n", 505},
      {"HTTP/0.9 request line", "GET / HTTP/0.9\r\n\r\n", 505},
      {"space after the version", "GET / HTTP/1.1 \r\n\r\n", 400},
      {"control character in the target", "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"tab in the target", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"space in a header name", "GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n", 400},
      {"space before the colon", "GET / HTTP/1.1\r\nHost: h\r\nHost : x\r\n\r\n", 400},
      {"header line without a colon", "GET / HTTP/1.1\r\nHost: h\r\nHost\r\n\r\n", 400},
      {"control character in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n", 400},
      {"DEL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fz\r\n\r\n", 400},
      {"NUL in a value", std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a\0z\r\n\r\n", 35), 400},
      {"bare CR in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rz\r\n\r\n", 400},
      {"first header line folded", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
      {"bare LF ending the request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400},
      {"bare LF ending a header line", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400},
      {"bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400},
      {"bare LF before the request line", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"bare LF, and a version refused after it", "GET / HTTP/2.0\n\r\n", 400},
      {"bare LF, and a target with no version", "CONNECT example.com:4t:\n\r\n", 400},
      {"Content-Length and Transfer-Encoding together",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"two Content-Lengths that differ", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
      {"Content-Length folded into two", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n 2\r\n\r\nab", 400},
      {"Content-Length not a number", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", 400},
      {"Content-Length with a sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\na", 400},
      {"Content-Length empty", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400},
      {"Transfer-Encoding not ending in chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\nabc", 400},
      {"chunked not the last coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400},
      {"chunked folded behind another coding",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: x\r\n chunked\r\n\r\n0\r\n\r\n", 400},
      {"chunk size not hex", chunked + "zz\r\nab\r\n0\r\n\r\n", 400},
      {"chunk size overflows", chunked + "fffffffffffffffffff\r\n", 400},
      {"space before a chunk extension", chunked + "5 ;a\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk data longer than its size", chunked + "5\r\nhelloX\r\n0\r\n\r\n", 400},
      {"bare LF after a chunk size", chunked + "5\nhello\r\n0\r\n\r\n", 400},
      {"bare LF after chunk data", chunked + "5\r\nhello\n0\r\n\r\n", 400},
      {"bare LF ending a trailer", chunked + "0\r\nA: 1\n\r\n", 400},
      {"bare LF ending the trailers", chunked + "0\r\nA: 1\r\n\n", 400},
      {"bare LF as the empty trailer section", chunked + "0\r\n\n", 400},
      {"unsupported expectation", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\na", 417},
      {"a transfer coding before chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {"chunked repeated", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400},
      {"a header field without a name", "GET / HTTP/1.1\r\nHost: h\r\n: b\r\n\r\n", 400},
      {"the first header field without a name", "GET / HTTP/1.1\r\n: b\r\nHost: h\r\n\r\n", 400},
      {"a trailer field without a name", chunked + "0\r\n: b\r\n\r\n", 400},
      {"two spaces after the method", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"two spaces after the target", "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"a space before the method", " GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"the asterisk form for GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400},
  };
  for (const auto& b : table) {
    INFO(b.name);
    outcome o = same_however_split(b.raw);
    CHECK(o.requests.empty());
    CHECK(o.error_status == b.status);
    CHECK_FALSE(o.error_reason.empty());
  }
}

TEST_CASE("an error after good pipelined requests leaves those requests intact", "[request_parser][errors]") {
  outcome o = same_however_split("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n");
  REQUIRE(o.requests.size() == 2);
  CHECK(o.requests[1].rfind("GET /2 ", 0) == 0);
  CHECK(o.error_status == 400);
}

TEST_CASE("release() frees what the taker left; the next request starts fresh either way", "[request_parser]") {
  const std::string one = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
  const std::string two = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  request_parser parser;
  std::size_t used = 0;
  REQUIRE(parser.parse(one, used) == state::complete);
  const request& left = parser.take();  // nothing moved out, as a native route leaves it
  CHECK(left.body == "hello");
  parser.release();
  CHECK((left.body.empty() && left.headers.empty() && left.target.empty()));
  REQUIRE(parser.parse(two, used) == state::complete);
  request b = parser.take();
  CHECK((b.method == "GET" && b.target == "/b" && b.headers.size() == 1 && b.body.empty()));
  // Without release(), the next request begins in a fresh one all the same.
  REQUIRE(parser.parse(one, used) == state::complete);
  parser.take();
  REQUIRE(parser.parse(two, used) == state::complete);
  request c = parser.take();
  CHECK((c.target == "/b" && c.headers.size() == 1 && c.body.empty()));
}

// ---------------------------------------------------------------- Expect and keep-alive

TEST_CASE("Expect: 100-continue is flagged once, after the head, before the body", "[request_parser]") {
  const std::string head = "POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n";
  const std::string raw = head + "hello";

  request_parser parser;
  std::size_t used = 0;
  REQUIRE(parser.parse(head, used) == state::incomplete);
  CHECK(parser.head_complete());
  CHECK(parser.take_expect_continue());
  CHECK_FALSE(parser.take_expect_continue());
  REQUIRE(parser.parse("hello", used) == state::complete);
  CHECK(parser.take().body == "hello");

  // Cut anywhere, the client is told to continue exactly when the head has
  // arrived without the whole body: cut inside the head, it has not asked yet.
  for (std::size_t at = 1; at < raw.size(); ++at) {
    INFO("split at byte " << at);
    outcome o = feed(split_at(raw, at));
    CHECK(o.requests.size() == 1);
    CHECK(o.continues == (at >= head.size() ? 1 : 0));
  }
  CHECK(feed(byte_by_byte(raw)).continues == 1);
}

TEST_CASE("Expect: 100-continue is not flagged when no body will follow it", "[request_parser]") {
  limits l;
  l.max_body_bytes = 4;
  // No body to wait for; HTTP/1.0 clients do not know 100; an oversized body
  // is refused instead, so the client never sends it.
  CHECK(feed(byte_by_byte("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n"), l).continues == 0);
  CHECK(feed(byte_by_byte("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab"), l).continues == 0);
  outcome too_big = feed(byte_by_byte("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"), l);
  CHECK(too_big.continues == 0);
  CHECK(too_big.error_status == 413);
  // A chunked body is a body: the client waits too.
  CHECK(feed(byte_by_byte("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "1\r\na\r\n0\r\n\r\n"), l).continues == 1);
}

TEST_CASE("keep_alive follows the version and the Connection header", "[request_parser]") {
  struct row {
    std::string raw;
    bool keep_alive;
  };
  const std::vector<row> table = {
      {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: CLOSE\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: te, close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n", true},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
      {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
      {"GET / HTTP/1.0\r\nConnection: close\r\n\r\n", false},
  };
  for (const auto& r : table) {
    INFO(r.raw);
    request_parser parser;
    std::size_t used = 0;
    REQUIRE(parser.parse(r.raw, used) == state::complete);
    CHECK(parser.take().keep_alive == r.keep_alive);
    CHECK_FALSE(parser.must_close());
  }
}

TEST_CASE("started() and head_complete() follow the request's progress", "[request_parser]") {
  request_parser parser;
  std::size_t used = 0;
  CHECK_FALSE(parser.started());
  REQUIRE(parser.parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Le", used) == state::incomplete);
  CHECK(parser.started());
  CHECK_FALSE(parser.head_complete());
  REQUIRE(parser.parse("ngth: 2\r\n\r\na", used) == state::incomplete);
  CHECK(parser.head_complete());
  REQUIRE(parser.parse("b", used) == state::complete);
  parser.take();
  CHECK_FALSE(parser.started());
  CHECK_FALSE(parser.head_complete());
}

TEST_CASE("HTTP/1.1 needs exactly one Host header; HTTP/1.0 may go without", "[request_parser]") {
  outcome none = same_however_split("GET / HTTP/1.1\r\nX: y\r\n\r\n");
  CHECK(none.error_status == 400);
  CHECK(none.error_reason == "bad request: no Host header (HTTP/1.1 needs one)");
  outcome two = same_however_split("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n");
  CHECK(two.error_status == 400);
  CHECK(two.error_reason == "bad request: more than one Host header");
  CHECK(same_however_split("GET / HTTP/1.0\r\n\r\n").requests.size() == 1);
}

TEST_CASE("the HTTP/2 preface is told plainly that HTTP/2 is not spoken", "[request_parser]") {
  outcome o = feed(whole("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), {});
  CHECK(o.error_status == 505);
  CHECK(o.error_reason == "HTTP/2 is not supported: speak HTTP/1.1");
}

TEST_CASE("error reasons speak HTTP, not the parser's internals", "[request_parser]") {
  for (std::string raw : {"FETCH / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
                          "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                          "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                          "GET / HTTP/1.1\rX\r\n\r\n", "GET /a b c HTTP/1.1\r\n\r\n"}) {
    INFO(raw);
    outcome o = feed(whole(raw), {});
    CHECK(o.error_status >= 400);
    for (std::string_view internal : {"Pause", "pause", "Span", "span", "HPE", "llhttp", "callback", "Expected"})
      CHECK(o.error_reason.find(internal) == std::string::npos);
  }
}
