"""End-to-end tests of the HTTP core: the real snasio-serve binary, real
clients (http.client and raw sockets), and only what a client can see --
status lines, headers, bodies, when the connection closes, how the process
exits. Only the native GET /health route is used, so no Python app is needed.

Timing assertions are generous: the machine running them may be busy."""

import http.client
import random
import select
import signal
import socket
import time

import pytest

from conftest import Client, Server

HEALTH = b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n"
HEALTH_BODY = b'{"status":"ok"}'




@pytest.fixture
def client(server):
    c = Client(server)
    yield c
    c.close()


@pytest.fixture(scope="module")
def limited():
    """A server with small limits, so that tests reach them with little data."""
    srv = Server(["--max-url-bytes", "100", "--max-header-bytes", "1024", "--max-headers", "10",
                  "--max-body-bytes", "1000"])
    yield srv
    srv.stop()


def assert_still_serving(srv):
    """A fresh connection still gets an answer."""
    c = Client(srv)
    c.send(HEALTH)
    assert c.response().body == HEALTH_BODY
    c.close()


# ------------------------------------------------------------ keep-alive, pipelining


def test_keep_alive_serves_several_requests_on_one_connection(server):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.connect()
    first_socket = conn.sock
    for _ in range(5):
        conn.request("GET", "/health")
        r = conn.getresponse()
        assert (r.status, r.read()) == (200, HEALTH_BODY)
        assert r.getheader("Connection") is None  # HTTP/1.1: keep-alive is the default
    assert conn.sock is first_socket  # http.client reconnects silently; it did not have to
    conn.close()


def test_pipelined_requests_are_answered_in_order(client):
    # More requests than --max-pipelined (16) in one write: the server must
    # stop reading, answer, and carry on, never reordering.
    kinds = [(b"GET /health", 200, HEALTH_BODY), (b"GET /missing", 404, b'{"error":"not found"}'),
             (b"HEAD /health", 200, b""), (b"POST /health", 405, b'{"error":"method not allowed"}')]
    sequence = [random.Random(i).choice(kinds) for i in range(60)]
    client.send(b"".join(line + b" HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n" for line, _, _ in sequence))
    for i, (line, status, body) in enumerate(sequence):
        r = client.response(head=line.startswith(b"HEAD"))
        assert (i, r.status, r.body) == (i, status, body)
    assert client.nothing_yet()


def test_pipelined_requests_split_across_writes(client):
    stream = HEALTH * 3
    # Cut inside the request line, inside the blank line, inside the next request line.
    pieces = [stream[:5], stream[5:35], stream[35:44], stream[44:]]
    for piece in pieces:
        client.send(piece)
        time.sleep(0.05)
    for _ in range(3):
        assert client.response().body == HEALTH_BODY


# ------------------------------------------------------------ HTTP/1.0 and Connection


def test_http10_closes_after_the_response_by_default(client):
    client.send(b"GET /health HTTP/1.0\r\n\r\n")
    r = client.response()
    assert (r.status, r.body) == (200, HEALTH_BODY)
    assert r.headers["connection"] == "close"
    assert client.closed_by_server()


def test_http10_keep_alive_keeps_the_connection_open(client):
    for _ in range(3):
        client.send(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = client.response()
        assert r.body == HEALTH_BODY
        assert r.headers["connection"] == "keep-alive"  # a 1.0 client must be told
    client.send(b"GET /health HTTP/1.0\r\n\r\n")
    assert client.response().headers["connection"] == "close"
    assert client.closed_by_server()


def test_connection_close_is_honoured(client):
    # A request pipelined after the closing one is never answered.
    client.send(b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + HEALTH)
    r = client.response()
    assert (r.status, r.body) == (200, HEALTH_BODY)
    assert r.headers["connection"] == "close"
    assert client.closed_by_server()


def test_http_client_sees_the_close(server):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.request("GET", "/health", headers={"Connection": "close"})
    r = conn.getresponse()
    assert r.read() == HEALTH_BODY
    assert r.will_close
    conn.close()


# ------------------------------------------------------------ HEAD, 100-continue, chunked


def test_head_has_the_get_headers_and_no_body(server, client):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    conn.request("HEAD", "/health")
    r = conn.getresponse()
    assert r.status == 200
    assert r.getheader("Content-Length") == str(len(HEALTH_BODY))
    assert r.getheader("Content-Type") == "application/json"
    assert r.read() == b""
    conn.close()

    # On a raw connection: no body byte follows, so the next response starts right after.
    client.send(b"HEAD /health HTTP/1.1\r\nHost: t\r\n\r\n" + HEALTH)
    head = client.response(head=True)
    assert head.headers["content-length"] == str(len(HEALTH_BODY))
    assert client.response().body == HEALTH_BODY


def test_expect_100_continue_is_answered_before_the_body(client):
    client.send(b"POST /health HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
    interim = client.response()
    assert interim.status == 100
    assert client.nothing_yet()  # the final answer waits for the body
    client.send(b"hello")
    assert client.response().status == 405
    client.send(HEALTH)
    assert client.response().body == HEALTH_BODY


def test_expect_100_continue_with_a_body_over_the_limit_gets_413_and_no_100(limited):
    c = Client(limited)
    c.send(b"POST /health HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
    r = c.response()
    assert r.status == 413
    assert r.headers["connection"] == "close"
    assert c.closed_by_server()
    c.close()


def test_chunked_request_body_is_read_to_its_end(client):
    # The answer comes only once the last chunk and the trailers are in, and
    # the request after it is parsed from the right place.
    client.send(b"POST /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n")
    assert client.nothing_yet()
    client.send(b"6\r\n world\r\n")
    assert client.nothing_yet()
    client.send(b"0\r\nX-Trailer: t\r\n\r\n" + HEALTH)
    assert client.response().status == 405
    assert client.response().body == HEALTH_BODY


def test_a_chunk_announced_past_the_body_limit_gets_413_before_its_data(limited):
    c = Client(limited)
    c.send(b"POST /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n" + b"x" * 256 +
           b"\r\n400\r\n")  # 256 bytes, then a chunk of 1024 announced: past 1000 together
    r = c.response()
    assert r.status == 413 and r.headers["connection"] == "close"
    c.close()


def test_chunked_body_over_the_limit_gets_413(limited):
    c = Client(limited)
    c.send(b"POST /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(3):
        c.send(b"190\r\n" + b"x" * 400 + b"\r\n")  # 1200 bytes > 1000
    r = c.response()
    assert r.status == 413
    assert r.headers["connection"] == "close"
    assert c.closed_by_server()
    c.close()


# ------------------------------------------------------------ headers on every response


def test_every_response_carries_date_server_and_content_length(limited):
    # Client.response() checks each of them; this walks through many kinds.
    requests = [HEALTH, b"HEAD /health HTTP/1.1\r\nHost: t\r\n\r\n", b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n",
                b"DELETE /health HTTP/1.1\r\nHost: t\r\n\r\n", b"OPTIONS /health HTTP/1.1\r\nHost: t\r\n\r\n",
                b"GET /" + b"u" * 200 + b" HTTP/1.1\r\nHost: t\r\n\r\n", b"GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n",
                b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n"]
    statuses = []
    for raw in requests:
        c = Client(limited)
        c.send(raw)
        statuses.append(c.response(head=raw.startswith(b"HEAD")).status)
        c.close()
    assert statuses == [200, 200, 404, 405, 204, 414, 400, 413]


# ------------------------------------------------------------ errors


@pytest.mark.parametrize("raw", [
    b"FETCH /health HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: a\r\n\n",
    b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    b"POST /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS ClientHello
    b"GET /health HTTP/1.1\r\nHost: t\r\n: b\r\n\r\n",
    b"POST /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n: b\r\n\r\n",
    b"GET  /health HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET /health  HTTP/1.1\r\nHost: t\r\n\r\n",
    b"GET * HTTP/1.1\r\nHost: t\r\n\r\n",
], ids=["method", "header-name", "bare-lf", "cl-and-te", "two-lengths", "chunk-size", "tls", "empty-name",
        "empty-trailer-name", "two-spaces-after-method", "two-spaces-after-target", "asterisk-not-options"])
def test_malformed_request_gets_400_and_the_connection_closes(server, raw):
    c = Client(server)
    c.send(HEALTH + raw + HEALTH)
    assert c.response().body == HEALTH_BODY  # what came before the error is answered
    r = c.response()
    assert r.status == 400
    assert r.headers["connection"] == "close"
    assert r.json()["error"].startswith("bad request")
    assert c.closed_by_server()  # nothing after the error is read as a request
    c.close()
    assert_still_serving(server)


def test_the_refusals_say_what_was_wrong(server):
    for raw, reason in [(b"GET /health HTTP/1.1\r\nHost: t\r\n: b\r\n\r\n", "a header field without a name"),
                        (b"GET  /health HTTP/1.1\r\nHost: t\r\n\r\n",
                         "the request line has more than one space between its parts"),
                        (b"GET * HTTP/1.1\r\nHost: t\r\n\r\n", "the target * is for OPTIONS only")]:
        c = Client(server)
        c.send(raw)
        assert c.response().json()["error"] == "bad request: " + reason
        c.close()


def test_a_nul_byte_escaped_in_the_path_is_refused(server, client):
    client.send(b"GET /health%00.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    r = client.response()
    assert r.status == 400 and r.json()["error"] == "%00 (a NUL byte) in the path"
    client.send(HEALTH)  # a refusal of the route, not of the connection
    assert client.response().body == HEALTH_BODY


def test_options_asterisk_lists_what_the_server_allows(server, client):
    client.send(b"OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n")
    r = client.response()
    assert r.status == 204 and r.headers["allow"] == "GET, HEAD, OPTIONS"


def test_unsupported_http_version_gets_505(server, client):
    client.send(b"GET /health HTTP/2.0\r\n\r\n")
    r = client.response()
    assert r.status == 505
    assert client.closed_by_server()


def test_slow_header_gets_408_after_the_header_timeout(start_server):
    srv = start_server("--header-timeout", "2")
    c = Client(srv)
    start = time.monotonic()
    for byte in HEALTH:  # one byte a second: the head would take 38 s
        c.send(bytes([byte]))
        if select.select([c.sock], [], [], 1.0)[0]:
            break
    r = c.response()
    elapsed = time.monotonic() - start
    assert r.status == 408
    assert r.headers["connection"] == "close"
    assert 1.5 <= elapsed < 6
    assert c.closed_by_server()
    c.close()

    # A connection that never sends a byte is closed after the same time, without a response.
    quiet = Client(srv)
    start = time.monotonic()
    assert quiet.closed_by_server(timeout=8)
    assert 1.5 <= time.monotonic() - start < 6
    quiet.close()


def test_body_over_the_limit_is_refused_from_content_length_alone(limited):
    c = Client(limited)
    c.send(b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n")
    r = c.response()  # without sending one byte of the body
    assert r.status == 413
    assert r.headers["connection"] == "close"
    assert r.json() == {"error": "request body too large: over 1000 bytes (--max-body-bytes)"}
    assert c.closed_by_server()
    c.close()


def test_oversized_body_sent_anyway_does_not_destroy_the_413(limited):
    # The client does not wait: the body is already on its way when the server
    # answers. Closing with unread bytes would make the kernel send RST, which
    # can destroy the response before the client reads it; the server must
    # read and discard instead, then close.
    c = Client(limited)
    c.send(b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 300000\r\n\r\n" + b"b" * 300000)
    r = c.response()
    assert r.status == 413
    assert c.closed_by_server()
    c.close()


def test_body_at_the_limit_is_accepted(limited):
    c = Client(limited)
    c.send(b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + b"b" * 1000 + HEALTH)
    assert c.response().status == 405
    assert c.response().body == HEALTH_BODY
    c.close()


def test_long_target_gets_414(limited):
    c = Client(limited)
    c.send(b"GET /health?" + b"q" * 100 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    r = c.response()
    assert r.status == 414
    assert c.closed_by_server()
    c.close()


def test_large_head_gets_431(limited):
    c = Client(limited)
    c.send(b"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"v" * 1100 + b"\r\n\r\n")
    r = c.response()
    assert r.status == 431
    assert r.json() == {"error": "request header too large: over 1024 bytes (--max-header-bytes)"}
    assert c.closed_by_server()
    c.close()


def test_too_many_headers_get_431_and_the_limit_itself_is_fine(limited):
    def request_with(n):
        # Host is one of the n header lines.
        return b"GET /health HTTP/1.1\r\nHost: t\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(n - 1)) + b"\r\n"

    c = Client(limited)
    c.send(request_with(10))
    assert c.response().body == HEALTH_BODY
    c.send(request_with(11))
    r = c.response()
    assert r.status == 431
    assert r.json() == {"error": "too many header fields: over 10 (--max-headers)"}
    assert c.closed_by_server()
    c.close()


def test_half_closed_client_still_gets_every_answer(client):
    # The client sends its requests, then shuts down its sending side (EOF):
    # everything it asked for is answered before the server closes.
    client.send(HEALTH * 3 + b"GET /missing HTTP/1.1\r\nHost: t\r\n\r\n")
    client.sock.shutdown(socket.SHUT_WR)
    statuses = [client.response().status for _ in range(4)]
    assert statuses == [200, 200, 200, 404]
    assert client.closed_by_server()


# ------------------------------------------------------------ timeouts and connection limits


def test_slow_body_gets_408_after_the_body_timeout(start_server):
    srv = start_server("--body-timeout", "1")
    c = Client(srv)
    c.send(b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
    start = time.monotonic()
    r = c.response()
    assert r.status == 408
    assert 0.7 <= time.monotonic() - start < 5
    assert c.closed_by_server()
    c.close()



def test_idle_keep_alive_connection_is_closed_after_the_keepalive_timeout(start_server):
    srv = start_server("--keepalive-timeout", "1")
    c = Client(srv)
    c.send(HEALTH)
    assert c.response().body == HEALTH_BODY
    answered = time.monotonic()
    assert c.closed_by_server(timeout=8)
    assert 0.7 <= time.monotonic() - answered < 5
    c.close()


def test_a_keep_alive_client_that_half_closes_later_is_answered_and_closed_by_the_keepalive_timeout(start_server):
    # After its first request a connection takes a short read as having
    # emptied the socket, and waits for the next event instead of trying recv
    # again. An end of stream sent with a later request may then go unseen:
    # the request is still answered, and the keep-alive timeout still closes
    # the connection. Either way nothing is held past it.
    srv = start_server("--keepalive-timeout", "1")
    c = Client(srv)
    c.send(HEALTH)
    assert c.response().body == HEALTH_BODY
    c.send(HEALTH)
    c.sock.shutdown(socket.SHUT_WR)
    assert c.response().body == HEALTH_BODY
    answered = time.monotonic()
    assert c.closed_by_server(timeout=8)
    assert time.monotonic() - answered < 2.5
    c.close()


def test_connections_past_max_connections_are_closed_at_once(start_server):
    srv = start_server("--max-connections", "2")
    first, second = Client(srv), Client(srv)
    for c in (first, second):  # answered, so surely accepted and counted
        c.send(HEALTH)
        assert c.response().body == HEALTH_BODY

    third = Client(srv)
    start = time.monotonic()
    assert third.closed_by_server(timeout=5)
    assert time.monotonic() - start < 2
    third.close()

    for c in (first, second):
        c.send(HEALTH)
        assert c.response().body == HEALTH_BODY

    # Once one of them goes, there is room again.
    first.close()
    deadline = time.monotonic() + 5
    while True:
        fourth = Client(srv)
        try:
            fourth.send(HEALTH)
            assert fourth.response().body == HEALTH_BODY
            break
        except (EOFError, ConnectionResetError, BrokenPipeError):
            assert time.monotonic() < deadline, "no room after a connection closed"
            time.sleep(0.1)
        finally:
            fourth.close()
    second.close()


# ------------------------------------------------------------ shutdown


def test_sigterm_with_an_idle_keep_alive_connection_exits_0_promptly(start_server):
    srv = start_server()
    c = Client(srv)
    c.send(HEALTH)
    assert c.response().body == HEALTH_BODY
    start = time.monotonic()
    srv.signal(signal.SIGTERM)
    assert srv.wait(timeout=10) == 0
    assert time.monotonic() - start < 3  # the idle connection is closed, not waited for
    assert c.closed_by_server()
    c.close()


def test_sigterm_while_a_request_is_half_read_exits_0_promptly(start_server):
    srv = start_server()
    c = Client(srv)
    c.send(b"POST /health HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
    other = Client(srv)
    other.send(b"GET /health HTTP/1.1\r\nHost:")
    time.sleep(0.2)  # let the server read both
    start = time.monotonic()
    srv.signal(signal.SIGTERM)
    assert srv.wait(timeout=10) == 0
    assert time.monotonic() - start < 3  # well before the 10 s drain deadline
    for conn in (c, other):
        assert conn.closed_by_server()
        conn.close()
