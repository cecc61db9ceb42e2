"""The middleware the reactor runs around the routes, seen by a client:
CORS, compression, static files, rate limits, deadlines; hooks that answer
and see the server's own answers; background tasks. (Unit tests of each
piece are in test/middleware and test/http/encoding_test.cpp.)"""

import gzip
import http.client
import json
import os
import re
import shutil
import socket
import time
import zlib

import brotli
import pytest

from conftest import ROOT, Server, fetch

APP = ROOT / "test" / "py" / "apps" / "middleware"


def make_site(root):
    """The app's static directory under `root`, with what must never be
    served beside and inside it: a secret outside, a dot-file, symlinks out
    (to a file and to a directory), one inside, and a large file."""
    shutil.copytree(APP / "site", root / "site")
    (root / "secret.txt").write_text("outside the mount")
    (root / "site" / ".env").write_text("SECRET=1")
    (root / "site" / "big.bin").write_bytes(os.urandom(1_000_000))
    os.symlink(root / "secret.txt", root / "site" / "escape.txt")
    os.symlink(root, root / "site" / "link-out")
    os.symlink("hello.txt", root / "site" / "inside.txt")
    return root / "site"


def serve_site(site):
    return Server(["--app-dir", str(APP), "--app", "mw:app"], env={**os.environ, "SNASIO_TEST_SITE": str(site)})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return make_site(tmp_path_factory.mktemp("static"))


@pytest.fixture(scope="module")
def srv(site):
    s = serve_site(site)
    yield s
    s.stop()


def raw(srv, method, path, headers=None):
    """(status, headers, body as sent: not decoded)."""
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=15)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.msg, r.read()
    finally:
        conn.close()


ORIGIN = {"Origin": "https://app.example"}


def vary(headers) -> set:
    """What an answer says it varies by, over all its Vary lines."""
    return {v.strip() for line in headers.get_all("Vary") or [] for v in line.split(",")}


# -- CORS ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/json", "/nowhere", "/typed/{n}", "/public/hello.txt"])
def test_a_preflight_is_answered_natively_on_every_path(srv, path):
    status, headers, body = raw(srv, "OPTIONS", path, {**ORIGIN, "Access-Control-Request-Method": "POST",
                                                        "Access-Control-Request-Headers": "content-type, x-custom"})
    assert status == 204 and body == b""
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Headers"] == "content-type, x-custom"
    assert headers["Access-Control-Max-Age"] == "120"
    # Every answer says what it depends on: a preflight's answer too, in one line.
    assert headers.get_all("Vary") == ["Origin, Accept-Encoding"] and "Content-Encoding" not in headers


@pytest.mark.parametrize("asked, why", [({"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}, "Origin"),
                                        ({**ORIGIN, "Access-Control-Request-Method": "TRACE"}, "TRACE"),
                                        ({**ORIGIN, "Access-Control-Request-Method": "GET",
                                          "Access-Control-Request-Headers": "X-Secret"}, "X-Secret")])
def test_a_preflight_not_allowed_is_403_saying_why(srv, asked, why):
    status, headers, body = fetch(srv, "/json", "OPTIONS", headers=asked)
    assert status == 403 and why in body["error"]
    assert "Access-Control-Allow-Origin" not in headers
    assert headers.get_all("Vary") == ["Origin, Accept-Encoding"]


@pytest.mark.parametrize("path", ["/health", "/%zz", "/a%00b"])
def test_a_native_answer_and_the_servers_own_refusals_say_what_answers_vary_by(srv, path):
    status, headers, _ = raw(srv, "GET", path)
    assert status == (200 if path == "/health" else 400)
    assert headers.get_all("Vary") == ["Origin, Accept-Encoding"]


def test_a_request_too_malformed_to_read_is_refused_with_the_vary_line_too(srv):
    with socket.create_connection((srv.host, srv.port), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n")
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert head[0].startswith(b"HTTP/1.1 400 ") and b"Vary: Origin, Accept-Encoding" in head[1:]


@pytest.mark.parametrize("path, status", [("/json", 200), ("/nowhere", 404), ("/json?x=1", 200), ("/typed/x", 422),
                                          ("/fail", 500)])
def test_every_answer_to_an_allowed_origin_carries_the_cors_headers(srv, path, status):
    got, headers, _ = fetch(srv, path, headers=ORIGIN)
    assert got == status
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert headers["Access-Control-Expose-Headers"] == "X-Total"
    assert "Origin" in vary(headers)


def test_a_405_carries_them_too_and_an_origin_not_allowed_is_refused(srv):
    got, headers, _ = fetch(srv, "/json", "DELETE", headers=ORIGIN)
    assert got == 405 and headers["Access-Control-Allow-Origin"] == "https://app.example"
    got, headers, body = fetch(srv, "/json", headers={"Origin": "https://evil.example"})
    assert got == 403 and body == {"error": "Origin 'https://evil.example' is not allowed"}
    got, headers, _ = fetch(srv, "/json")  # no Origin: no CORS headers, but the answer varies by it
    assert got == 200 and "Access-Control-Allow-Origin" not in headers and "Origin" in vary(headers)


# -- compression --------------------------------------------------------------------

def test_gzip_and_brotli_chosen_by_accept_encoding_q_values(srv):
    _, _, plain = raw(srv, "GET", "/json")
    for accept, coding in [("gzip", "gzip"), ("br", "br"), ("gzip, br", "br"), ("br;q=0.5, gzip", "gzip"),
                           ("*", "br"), ("gzip;q=0, br;q=0", None), ("identity", None)]:
        status, headers, body = raw(srv, "GET", "/json", {"Accept-Encoding": accept})
        assert status == 200 and headers.get("Content-Encoding") == coding, accept
        assert "Accept-Encoding" in vary(headers)
        decoded = gzip.decompress(body) if coding == "gzip" else brotli.decompress(body) if coding == "br" else body
        assert decoded == plain
        assert int(headers["Content-Length"]) == len(body)
        if coding:
            assert len(body) < len(plain) / 3


@pytest.mark.parametrize("path", ["/small", "/png", "/encoded", "/sse"])
def test_small_bodies_other_types_encoded_answers_and_event_streams_go_as_they_are(srv, path):
    status, headers, _ = raw(srv, "GET", path, {"Accept-Encoding": "gzip, br"})
    assert status == 200 and headers.get("Content-Encoding") in (None, "identity-by-app")


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_compressed_answer_keeps_its_headers_and_its_etag_turns_weak(srv, site, coding):
    # Another representation of the same resource: its validator can only be
    # weak (RFC 9110 8.8.3), and it still validates the cached copy.
    decode = gzip.decompress if coding == "gzip" else brotli.decompress
    (site / "page.html").write_text("<p>a static page</p>\n" * 50)
    _, plain_headers, plain = raw(srv, "GET", "/public/page.html")
    status, headers, body = raw(srv, "GET", "/public/page.html", {"Accept-Encoding": coding})
    assert status == 200 and headers["Content-Encoding"] == coding and decode(body) == plain
    assert plain_headers["ETag"].startswith('"') and headers["ETag"] == "W/" + plain_headers["ETag"]
    assert headers["Last-Modified"] == plain_headers["Last-Modified"]
    assert headers["Cache-Control"] == "public, max-age=60" and headers["Accept-Ranges"] == "bytes"
    assert headers.get_all("Content-Encoding") == [coding]
    assert raw(srv, "GET", "/public/page.html", {"Accept-Encoding": coding, "If-None-Match": headers["ETag"]})[0] == 304
    # A handler's own ETag and headers, the same way.
    status, headers, body = raw(srv, "GET", "/tagged", {"Accept-Encoding": coding})
    assert status == 200 and decode(body) == b"tagged " * 100
    assert headers["ETag"] == 'W/"v1"' and headers["X-Kept"] == "yes" and headers.get_all("Content-Encoding") == [coding]
    assert raw(srv, "GET", "/tagged")[1]["ETag"] == '"v1"'


def test_a_range_is_never_compressed(srv):
    status, headers, body = raw(srv, "GET", "/download/big.bin", {"Accept-Encoding": "gzip", "Range": "bytes=0-99"})
    assert status == 206 and "Content-Encoding" not in headers and len(body) == 100


def test_a_stream_is_compressed_piece_by_piece_and_each_piece_arrives_at_once(srv):
    # Decoded as it arrives: the first piece is readable long before the
    # stream ends (0.3 s between pieces).
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    s.sendall(b"GET /stream HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")
    started, data, text = time.monotonic(), b"", b""
    while b"piece 0" not in text:
        chunk = s.recv(65536)
        assert chunk
        data += chunk
        if b"\r\n\r\n" in data:
            head, _, rest = data.partition(b"\r\n\r\n")
            assert b"Content-Encoding: gzip" in head and b"Transfer-Encoding: chunked" in head
            body = b""
            while rest:  # the chunks that are complete
                size_line, sep, tail = rest.partition(b"\r\n")
                if not sep or len(tail) < int(size_line, 16) + 2:
                    break
                body, rest = body + tail[:int(size_line, 16)], tail[int(size_line, 16) + 2:]
            text = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body)
    assert time.monotonic() - started < 0.25
    s.close()


# -- static files -------------------------------------------------------------------

def test_a_static_file_with_its_validators_and_cache_control(srv):
    status, headers, body = raw(srv, "GET", "/public/hello.txt")
    assert status == 200 and body == b"Hello from static storage"
    assert headers["Content-Type"] == "text/plain" and headers["Cache-Control"] == "public, max-age=60"
    assert raw(srv, "GET", "/public/hello.txt", {"If-None-Match": headers["ETag"]})[0] == 304
    assert raw(srv, "GET", "/public/hello.txt", {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    status, part_headers, part = raw(srv, "GET", "/public/hello.txt", {"Range": "bytes=6-9"})
    assert status == 206 and part == b"from" and part_headers["Content-Range"] == "bytes 6-9/25"
    status, head_headers, head = raw(srv, "HEAD", "/public/hello.txt")
    assert status == 200 and head == b"" and head_headers["Content-Length"] == "25"
    assert raw(srv, "GET", "/public/docs")[1]["Location"] == "/public/docs/"
    assert raw(srv, "GET", "/public/docs/")[2] == b"<h1>docs</h1>"
    status, br_headers, br = raw(srv, "GET", "/public/app.js", {"Accept-Encoding": "br"})
    assert br == b"BR" and br_headers["Content-Encoding"] == "br"


@pytest.mark.parametrize("path", ["/public/../secret.txt", "/public/%2e%2e/secret.txt", "/public/%2E%2E/%2e%2e/etc/hostname",
                                  "/public/docs/..%2F..%2Fsecret.txt", "/public//../secret.txt", "/public/.env",
                                  "/public/escape.txt", "/public/hello.txt/", "/public/%2e%2e%2fsecret.txt"])
def test_no_path_leads_out_of_the_mount(srv, path):
    status, _, body = raw(srv, "GET", path)
    assert status in (404, 400) and b"outside" not in body and b"SECRET" not in body


def test_a_nul_in_the_path_is_400_and_a_symlink_inside_is_served(srv):
    assert raw(srv, "GET", "/public/hello.txt%00.png")[0] == 400
    assert raw(srv, "GET", "/public/inside.txt")[2] == b"Hello from static storage"


def test_a_large_file_streams_whole_and_its_descriptor_is_released_on_every_path(srv, site):
    def descriptors():
        return len(os.listdir(f"/proc/{srv.proc.pid}/fd"))
    status, headers, body = raw(srv, "GET", "/public/big.bin")
    assert status == 200 and body == (site / "big.bin").read_bytes()
    before = descriptors()
    for _ in range(20):  # clients that leave in the middle of the file
        s = socket.create_connection((srv.host, srv.port), timeout=10)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /public/big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        s.close()
    for _ in range(10):
        assert raw(srv, "GET", "/public/big.bin")[0] == 200
    deadline = time.monotonic() + 5
    while descriptors() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert descriptors() <= before


def test_file_response_with_a_root_refuses_a_path_that_escapes_it(srv):
    assert fetch(srv, "/download/hello.txt")[2] == b"Hello from static storage"
    for name in ["../secret.txt", "escape.txt", "%2e%2e/secret.txt", "/etc/hostname", "docs/../../secret.txt"]:
        status, _, body = fetch(srv, "/download/" + name)
        assert status == 404 and b"outside" not in body


# -- rate limits and deadlines ------------------------------------------------------

def test_a_route_rate_limit_answers_429_with_retry_after(srv):
    got = [fetch(srv, "/limited") for _ in range(4)]
    assert [g[0] for g in got[:2]] == [200, 200]
    assert got[2][0] == 429 and got[2][1]["Retry-After"] == "1"
    assert fetch(srv, "/json")[0] == 200  # other routes are not limited


def test_a_global_rate_limit_covers_every_request(start_server, site):
    s = start_server("--app-dir", str(APP), "--app", "mw:app", "--rate-limit", "2/3",
                     env={**os.environ, "SNASIO_TEST_SITE": str(site)})
    statuses = [fetch(s, "/public/hello.txt")[0] for _ in range(5)]
    assert statuses[:3] == [200] * 3 and statuses[3] == 429


def test_a_deadline_cancels_an_async_handler_and_abandons_a_sync_one(srv):
    started = time.monotonic()
    assert fetch(srv, "/slow")[0] == 408
    assert time.monotonic() - started < 1.5
    deadline = time.monotonic() + 3  # the cancellation reaches the loop just after the 408 leaves
    while fetch(srv, "/cancelled")[2] != {"cancelled": 1} and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fetch(srv, "/cancelled")[2] == {"cancelled": 1}
    assert fetch(srv, "/slow-sync")[0] == 408
    time.sleep(0.8)  # the sync handler ran on; its answer was dropped
    assert re.search(r"mw\.slow_sync did not answer within 300 ms \(its timeout=\): 408 sent, the handler abandoned",
                     srv.stderr())
    assert re.search(r"mw\.slow did not answer within 300 ms \(its timeout=\): 408 sent, the handler cancelled",
                     srv.stderr())


# -- hooks --------------------------------------------------------------------------

def test_hooks_run_in_order_and_any_may_answer(srv):
    assert fetch(srv, "/order")[2] == {"order": ["on_request", "pre_validation", "pre_handler", "handler"]}
    assert fetch(srv, "/order", headers={"x-stop": "on_request"})[0] == 401
    status, headers, body = fetch(srv, "/order", headers={"x-stop": "pre_validation"})
    assert status == 429 and headers["Retry-After"] == "60" and body == {"error": "Rate limit exceeded"}
    assert fetch(srv, "/order", headers={"x-stop": "pre_handler"})[0] == 403


def test_pre_validation_runs_before_the_422(srv):
    status, _, _ = fetch(srv, "/typed/abc", headers={"x-stop": "pre_validation"})
    assert status == 429
    assert fetch(srv, "/typed/abc")[0] == 422


@pytest.mark.parametrize("path, method, headers, status", [("/nowhere", "GET", {}, 404), ("/json", "DELETE", {}, 405),
                                                           ("/typed/x", "GET", {}, 422),
                                                           ("/json", "GET", {"Origin": "https://evil.example"}, 403)])
def test_on_response_and_on_error_see_the_servers_own_answers(srv, path, method, headers, status):
    got, got_headers, body = fetch(srv, path, method, headers=headers)
    assert got == status and got_headers["X-Content-Type-Options"] == "nosniff"
    if status == 404:
        assert body == {"error": "no such page", "path": "/nowhere"}  # on_error answered it


def exchange(srv, data: bytes) -> bytes:
    """What the server sends back to `data` before it closes the connection."""
    with socket.create_connection((srv.host, srv.port), timeout=10) as s:
        s.sendall(data)
        got = b""
        while chunk := s.recv(65536):
            got += chunk
        return got


@pytest.mark.parametrize("request_bytes, status", [
    (b"POST /json HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999999\r\n\r\n", 413),  # past --max-body-bytes
    (b"POST /json HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),  # a bad chunk
    (b"GET /json HTTP/1.1\r\n\r\n", 400),  # no Host
    (b"GET /json/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 404),
    (b"GET /public HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 308),  # a mount's redirect
    (b"GET /public/none.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 404),  # and its refusal
    (b"GET /%zz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 400),  # a malformed escape
    (b"OPTIONS /json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 204),  # the automatic OPTIONS
])
def test_on_response_sees_the_connections_own_refusals_once_a_head_is_read(srv, request_bytes, status):
    head = exchange(srv, request_bytes).partition(b"\r\n\r\n")[0].decode()
    assert head.startswith(f"HTTP/1.1 {status} ") and "X-Content-Type-Options: nosniff" in head, head


def test_a_head_that_cannot_be_read_is_refused_without_python(srv):
    # No request could be read, so there is none for a hook to see: the
    # refusal goes as the connection made it.
    head = exchange(srv, b"GET /json HTTP/1.1\r\nHost: t\r\nX: " + b"a" * 70000 + b"\r\n\r\n").partition(b"\r\n\r\n")[0]
    assert head.startswith(b"HTTP/1.1 431 ") and b"nosniff" not in head


def test_health_stays_native(srv):
    status, headers, _ = fetch(srv, "/health")
    assert status == 200 and "X-Content-Type-Options" not in headers


# -- background tasks ---------------------------------------------------------------

def test_background_tasks_run_after_the_answer_and_failures_are_logged(srv):
    status, headers, _ = fetch(srv, "/background/alpha", "POST", body=b"")
    assert status == 202
    deadline = time.monotonic() + 5
    while fetch(srv, "/background")[2]["events"] != ["alpha", "alpha (sync)"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fetch(srv, "/background")[2]["events"] == ["alpha", "alpha (sync)"]
    assert re.search(r"background task .*\[request " + re.escape(headers["X-Request-ID"]) + r"\]", srv.stderr())
    assert "ValueError: a background task fails" in srv.stderr()


def test_a_file_that_shrinks_while_it_is_sent_is_cut_short_and_its_descriptor_closed(srv, site):
    shrinking = site / "shrinking.bin"
    shrinking.write_bytes(b"x" * 4_000_000)
    before = len(os.listdir(f"/proc/{srv.proc.pid}/fd"))
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /public/shrinking.bin HTTP/1.1\r\nHost: t\r\n\r\n")
    got = s.recv(4096)
    assert got.startswith(b"HTTP/1.1 200") and b"Content-Length: 4000000" in got
    shrinking.write_bytes(b"")  # the same file, now empty: the next read finds nothing
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break  # the server closed: the client can tell the body is incomplete
        got += chunk
    s.close()
    assert len(got) < 4_000_000
    deadline = time.monotonic() + 5
    while len(os.listdir(f"/proc/{srv.proc.pid}/fd")) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(os.listdir(f"/proc/{srv.proc.pid}/fd")) <= before


def test_compression_alone_a_global_deadline_a_compressed_head_and_http_1_0(start_server, site):
    s = start_server("--app-dir", str(APP), "--app", "mw:app", "--compress", "gzip", "--request-timeout", "0.3",
                     env={**os.environ, "SNASIO_TEST_SITE": str(site)})
    # The app's own cors() and compression() stand; the command line adds a global deadline.
    status, headers, body = raw(s, "GET", "/json", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in vary(headers)
    assert json.loads(gzip.decompress(body))["items"][0] == {"id": 0, "name": "item"}
    # HEAD of a file large enough to be pumped: the head a GET would get, uncompressed, no body.
    status, headers, body = raw(s, "HEAD", "/public/big.bin", {"Accept-Encoding": "gzip"})
    assert status == 200 and body == b"" and headers["Content-Length"] == "1000000"
    # HTTP/1.0 takes a compressed stream as a body that the close ends.
    c = socket.create_connection((s.host, s.port), timeout=10)
    c.sendall(b"GET /stream HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
    data = b""
    while chunk := c.recv(65536):
        data += chunk
    c.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Content-Encoding: gzip" in head and b"Transfer-Encoding" not in head
    assert gzip.decompress(body).startswith(b"piece 0 ")
