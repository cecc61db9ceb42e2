// The bytes a client receives for a response: status line, the headers the
// server adds (Server, Date, Content-Length, Connection), and the body.
#include "http/response.hpp"
#include "http/status.hpp"

#include <string>

#include <catch2/catch.hpp>

namespace {

using snasio::http::framing;
using snasio::http::response;
using snasio::http::serialize;

constexpr std::string_view date = "Sun, 06 Nov 1994 08:49:37 GMT";

framing make(bool head_request, bool keep_alive, bool http10) {
  framing f;
  f.head_request = head_request;
  f.keep_alive = keep_alive;
  f.http10 = http10;
  return f;
}
framing http11() { return {}; }
framing head_request() { return make(true, true, false); }
framing closing() { return make(false, false, false); }
framing http10_keep_alive() { return make(false, true, true); }
framing http10_closing() { return make(false, false, true); }

}  // namespace

TEST_CASE("a JSON response carries its length, type, Date and Server", "[response]") {
  CHECK(serialize(response::json(200, R"({"status":"ok"})"), http11(), date) ==
        "HTTP/1.1 200 OK\r\n"
        "Server: snasio\r\n"
        "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 15\r\n"
        "\r\n"
        R"({"status":"ok"})");
}

TEST_CASE("an empty 200 still says Content-Length: 0", "[response]") {
  response r;
  CHECK(serialize(r, http11(), date) ==
        "HTTP/1.1 200 OK\r\nServer: snasio\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("HEAD gets the headers a GET would get, and no body", "[response]") {
  response r = response::text(200, "hello, world");
  std::string get = serialize(r, http11(), date);
  std::string head = serialize(r, head_request(), date);
  CHECK(head.find("Content-Length: 12\r\n") != std::string::npos);
  CHECK(get == head + "hello, world");
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
}

TEST_CASE("1xx, 204 and 304 carry no Content-Length and no body", "[response]") {
  for (int status : {100, 204, 304}) {
    INFO(status);
    response r = response::json(status, "{\"ignored\":true}");
    std::string out = serialize(r, http11(), date);
    CHECK(out.find("Content-Length") == std::string::npos);
    CHECK(out.find("Content-Type") == std::string::npos);
    CHECK(out.substr(out.size() - 4) == "\r\n\r\n");
  }
  CHECK(serialize(response{204, "", {}, ""}, http11(), date) ==
        "HTTP/1.1 204 No Content\r\nServer: snasio\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
}

TEST_CASE("Connection is announced only when it differs from the version's default", "[response]") {
  response r = response::text(200, "x");
  auto connection_header = [&](const framing& f) {
    std::string out = serialize(r, f, date);
    auto at = out.find("\r\nConnection: ");
    if (at == std::string::npos) return std::string("(none)");
    return out.substr(at + 14, out.find("\r\n", at + 2) - at - 14);
  };
  CHECK(connection_header(http11()) == "(none)");
  CHECK(connection_header(closing()) == "close");
  CHECK(connection_header(http10_keep_alive()) == "keep-alive");
  CHECK(connection_header(http10_closing()) == "close");
}

TEST_CASE("extra headers are sent as given, after the server's own", "[response]") {
  response r = response::text(308, "");
  r.headers = {{"Location", "/users/"}, {"X-Trace", "a b"}};
  CHECK(serialize(r, closing(), date) ==
        "HTTP/1.1 308 Permanent Redirect\r\n"
        "Server: snasio\r\n"
        "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 0\r\n"
        "Location: /users/\r\n"
        "X-Trace: a b\r\n"
        "Connection: close\r\n"
        "\r\n");
}

TEST_CASE("status lines use the RFC 9110 reason phrases", "[response]") {
  auto status_line = [](int status) {
    std::string out = serialize(response{status, "", {}, ""}, http11(), date);
    return out.substr(0, out.find("\r\n"));
  };
  CHECK(status_line(400) == "HTTP/1.1 400 Bad Request");
  CHECK(status_line(408) == "HTTP/1.1 408 Request Timeout");
  CHECK(status_line(413) == "HTTP/1.1 413 Content Too Large");
  CHECK(status_line(414) == "HTTP/1.1 414 URI Too Long");
  CHECK(status_line(417) == "HTTP/1.1 417 Expectation Failed");
  CHECK(status_line(431) == "HTTP/1.1 431 Request Header Fields Too Large");
  CHECK(status_line(505) == "HTTP/1.1 505 HTTP Version Not Supported");
  CHECK(status_line(599) == "HTTP/1.1 599 Unknown");
}

TEST_CASE("error bodies are JSON with the reason escaped", "[response]") {
  response r = response::error(400, "bad \"header\"\\\n\t\x01");
  CHECK(r.status == 400);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"error":"bad \"header\"\\\n\t\u0001"})");
}

TEST_CASE("json_escape leaves UTF-8 alone and escapes every control character", "[response]") {
  CHECK(snasio::http::json_escape("caf\xc3\xa9 \xe2\x82\xac") == "caf\xc3\xa9 \xe2\x82\xac");
  CHECK(snasio::http::json_escape(std::string("\0\x1f\r", 3)) == R"(\u0000\u001f\r)");
}

TEST_CASE("a request id is sent back as X-Request-ID, after the framing headers", "[response]") {
  framing f = closing();
  f.request_id = "5f3a9c1e-1a";
  CHECK(serialize(response{}, f, date) ==
        "HTTP/1.1 200 OK\r\nServer: snasio\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n"
        "Connection: close\r\nX-Request-ID: 5f3a9c1e-1a\r\n\r\n");
}

TEST_CASE("every status the server or a handler may send has its RFC 9110 reason phrase", "[status]") {
  const std::pair<int, std::string_view> phrases[] = {
      {100, "Continue"}, {101, "Switching Protocols"}, {200, "OK"}, {201, "Created"}, {202, "Accepted"},
      {203, "Non-Authoritative Information"}, {204, "No Content"}, {205, "Reset Content"}, {206, "Partial Content"},
      {300, "Multiple Choices"}, {301, "Moved Permanently"}, {302, "Found"}, {303, "See Other"},
      {304, "Not Modified"}, {307, "Temporary Redirect"}, {308, "Permanent Redirect"}, {400, "Bad Request"},
      {401, "Unauthorized"}, {402, "Payment Required"}, {403, "Forbidden"}, {404, "Not Found"},
      {405, "Method Not Allowed"}, {406, "Not Acceptable"}, {408, "Request Timeout"}, {409, "Conflict"},
      {410, "Gone"}, {411, "Length Required"}, {412, "Precondition Failed"}, {413, "Content Too Large"},
      {414, "URI Too Long"}, {415, "Unsupported Media Type"}, {416, "Range Not Satisfiable"},
      {417, "Expectation Failed"}, {418, "I'm a teapot"}, {421, "Misdirected Request"},
      {422, "Unprocessable Content"}, {423, "Locked"}, {425, "Too Early"}, {426, "Upgrade Required"},
      {428, "Precondition Required"}, {429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
      {451, "Unavailable For Legal Reasons"}, {500, "Internal Server Error"}, {501, "Not Implemented"},
      {502, "Bad Gateway"}, {503, "Service Unavailable"}, {504, "Gateway Timeout"},
      {505, "HTTP Version Not Supported"}, {299, "Unknown"}, {599, "Unknown"}};
  for (const auto& [status, phrase] : phrases) {
    INFO(status);
    CHECK(snasio::http::reason_phrase(status) == phrase);
  }
}

TEST_CASE("a streamed response's head is chunked, or for HTTP/1.0 closes the connection", "[response]") {
  response r = response::text(200, "unused");
  r.streamed = true;
  std::string head = serialize(r, framing{}, date);
  CHECK(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(head.find("Content-Length") == std::string::npos);
  CHECK(head.ends_with("\r\n\r\n"));
  framing old;
  old.http10 = true;
  std::string head10 = serialize(r, old, date);
  CHECK(head10.find("Transfer-Encoding") == std::string::npos);
  CHECK(head10.find("Connection: close\r\n") != std::string::npos);
  r.stream_length = 1234;  // a file: its length is known
  CHECK(serialize(r, framing{}, date).find("Content-Length: 1234\r\n") != std::string::npos);
  CHECK(serialize(r, framing{}, date).find("Transfer-Encoding") == std::string::npos);
}

TEST_CASE("chunk frames bytes with their size in hex", "[response]") {
  CHECK(snasio::http::chunk("hello") == "5\r\nhello\r\n");
  CHECK(snasio::http::chunk(std::string(300, 'x')).starts_with("12c\r\n"));
  CHECK(snasio::http::chunk("").empty());
  CHECK(snasio::http::last_chunk == "0\r\n\r\n");
}

TEST_CASE("a response made for keep-alive can still be made the last on its connection", "[response]") {
  response r = response::text(200, "body\r\n\r\nnot a head");
  std::string kept = serialize(r, http11(), date);
  std::string last = kept;
  REQUIRE(snasio::http::make_closing(last));
  // Where serialize() puts Connection for a closing response: the same bytes but for their order.
  std::string closed = serialize(r, closing(), date);
  CHECK(last.size() == closed.size());
  CHECK(last.find("Connection: close\r\n") < last.find("\r\n\r\n"));
  CHECK(last.substr(last.find("\r\n\r\n")) == "\r\n\r\nbody\r\n\r\nnot a head");
  // HTTP/1.0's announced keep-alive becomes close, once.
  std::string old = serialize(r, http10_keep_alive(), date);
  REQUIRE(snasio::http::make_closing(old));
  CHECK(old.find("keep-alive") == std::string::npos);
  CHECK(old.find("Connection: close") != std::string::npos);
  std::string half = "HTTP/1.1 200 OK\r\nServer: snasio";
  CHECK_FALSE(snasio::http::make_closing(half));
}

TEST_CASE("a Content-Type literal is held by view, any other text by copy", "[response]") {
  static constexpr char json[] = "application/json";
  response r;
  r.content_type = json;
  CHECK(r.content_type.view().data() == json);  // no copy: nothing to allocate or release
  std::string made = "text/plain; charset=latin-1";
  r.content_type = made;
  CHECK(r.content_type.view().data() != made.data());
  made.assign(made.size(), 'x');
  CHECK(r.content_type == "text/plain; charset=latin-1");
  response copy = r;
  r.content_type.clear();
  CHECK(r.content_type.empty());
  CHECK(copy.content_type == "text/plain; charset=latin-1");
  CHECK(serialize(copy, framing{}, date).find("\r\nContent-Type: text/plain; charset=latin-1\r\n") != std::string::npos);
}
