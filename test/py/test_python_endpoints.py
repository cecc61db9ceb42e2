"""Python endpoints end to end: the real snasio-serve binary, real sockets,
and what a client sees (status, headers, body) for every way a handler can
answer, every request field it can read, every way it can fail, and the
guarantees around the GIL thread (503 when the queue is full, native routes
unaffected by a busy interpreter), start-up failures and virtual environments.

The apps served here live in test/py/apps/python_endpoints/.
"""

import http.client
import json
import math
import os
import platform
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE_APP, ROOT, SERVE, Server, recv_until_closed

APPS = ROOT / "test" / "py" / "apps" / "python_endpoints"
MAIN_APP = APPS / "main"
INTERNAL_ERROR = {"error": "internal server error"}


# --- helpers -------------------------------------------------------------------

class Reply:
    """What a client received: status, headers (case-insensitive), body bytes."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name)


def call(srv, method, path, body=None, headers=None, conn=None):
    """One request over http.client; a fresh connection unless `conn` is given."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return Reply(r.status, r.msg, r.read())
    finally:
        if own:
            conn.close()


def raw_exchange(srv, request: bytes):
    """Sends raw bytes on a new connection (the request must say
    Connection: close) and splits everything the server sent back."""
    with srv.connect() as s:
        s.sendall(request)
        data = recv_until_closed(s)
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep, f"no end of head in {data!r}"
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return status, headers, body


def wait_for_log(srv, *needles, timeout=5.0):
    """The server's stderr once it contains every needle (or at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        log = srv.stderr()
        if all(n in log for n in needles) or time.monotonic() > deadline:
            return log
        time.sleep(0.02)


def run_to_exit(args, env=None, timeout=30):
    """Runs snasio-serve expecting it to exit by itself: (code, stdout, stderr)."""
    p = subprocess.run([str(SERVE), "--port", "0", *args], capture_output=True, env=env, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def allow_set(value):
    return {m.strip() for m in value.split(",")}


def same_json(a, b):
    """Equal and of the same JSON type all the way down (1 is not 1.0, True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return a == b


@pytest.fixture(scope="module")
def app():
    """The main test app, shared by this module's tests."""
    srv = Server(["--app-dir", str(MAIN_APP)])
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def keepalive(app):
    """One keep-alive connection to the app, reused across hypothesis examples."""
    conn = http.client.HTTPConnection(app.host, app.port, timeout=15)
    yield conn
    conn.close()


# --- 1. JSON round trip ---------------------------------------------------------

# Integers stay exact at any size up to Python's own digit limit (4300), far
# past 64 bits and past the double range.
BIG = 10 ** 1000
json_ints = st.one_of(
    st.integers(),
    st.integers(min_value=-BIG, max_value=BIG),
    st.sampled_from([2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64 - 1, 2**64, -2**64, BIG, -BIG]),
)
json_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
json_leaves = st.one_of(
    st.none(), st.booleans(), json_ints,
    st.floats(allow_nan=False, allow_infinity=False), json_text,
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(json_text, children, max_size=6),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, ensure_ascii=st.booleans())
def test_json_body_round_trips_exactly(app, keepalive, value, ensure_ascii):
    sent = json.dumps(value, ensure_ascii=ensure_ascii)
    expected = json.loads(sent)
    r = call(app, "POST", "/echo", body=sent.encode("utf-8"),
             headers={"Content-Type": "application/json"}, conn=keepalive)
    assert r.status == 200, r.body
    assert r.header("Content-Type") == "application/json"
    assert int(r.header("Content-Length")) == len(r.body)
    got = r.json()
    assert same_json(got, {"v": expected}), (sent, r.body)
    assert same_json(got["v"], value), (sent, r.body)


# --- 2. return types and status mapping ----------------------------------------

@pytest.mark.parametrize("path, status, content_type, body", [
    ("/ret/dict", 200, "application/json", b'{"a":1,"nested":{"b":[true,null]}}'),
    ("/ret/list", 200, "application/json", b'[1,"two",null,3.5]'),
    ("/ret/str", 200, "text/plain; charset=utf-8", "héllo ✓ wörld".encode("utf-8")),
    ("/ret/bytes", 200, "application/octet-stream", b"\x00\x01binary\xff"),
    ("/ret/tuple2", 201, "application/json", b'{"created":true}'),
    ("/ret/tuple3-dict", 201, "text/plain; charset=utf-8", b"made"),
    ("/ret/tuple3-list", 202, "application/octet-stream", b"raw"),
    ("/ret/response", 203, "application/vnd.snasio+json", b'{"ok":true}'),
    ("/ret/response-text", 418, "text/plain; charset=utf-8", b"short and stout"),
    ("/ret/response-default", 200, "text/plain; charset=utf-8", b"just text"),
    ("/ret/header-content-type", 200, "text/html; charset=utf-8", b"<p>hi</p>"),
])
def test_return_value_becomes_status_content_type_and_body(app, path, status, content_type, body):
    r = call(app, "GET", path)
    assert r.status == status
    assert r.headers.get_all("Content-Type") == [content_type]
    assert r.body == body
    assert r.header("Content-Length") == str(len(body))


def test_tuple_headers_from_a_dict_and_from_pairs(app):
    r = call(app, "GET", "/ret/tuple3-dict")
    assert (r.header("X-One"), r.header("X-Two")) == ("1", "two")
    r = call(app, "GET", "/ret/tuple3-list")
    assert r.headers.get_all("X-Multi") == ["a", "b"]
    assert r.header("X-Single") == "s"
    r = call(app, "GET", "/ret/response")
    assert r.header("X-R") == "r"
    r = call(app, "GET", "/ret/response-text")
    assert r.header("X-Pot") == "tea"


def test_none_is_204_without_a_body(app):
    status, headers, body = raw_exchange(app, b"GET /ret/none HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert status == 204
    assert body == b""
    assert "content-length" not in headers and "transfer-encoding" not in headers


def test_none_body_with_an_explicit_status_is_empty(app):
    status, headers, body = raw_exchange(app, b"GET /ret/tuple2-none HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert status == 202
    assert body == b""


def test_bodyless_status_drops_the_returned_body_and_keeps_the_connection_usable(app):
    conn = http.client.HTTPConnection(app.host, app.port, timeout=15)
    try:
        for status in (204, 304):
            r = call(app, "GET", f"/ret/status/{status}", conn=conn)
            assert (r.status, r.body) == (status, b"")
            assert r.header("Content-Length") is None
            # Stray body bytes would be read as the start of this response.
            r = call(app, "GET", "/ret/list", conn=conn)
            assert (r.status, r.json()) == (200, [1, "two", None, 3.5])
        r = call(app, "GET", "/ret/status/299", conn=conn)
        assert (r.status, r.body) == (299, b"a body")
    finally:
        conn.close()


def test_head_on_a_get_route_has_the_get_headers_and_no_body(app):
    get = call(app, "GET", "/ret/dict")
    status, headers, body = raw_exchange(app, b"HEAD /ret/dict HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert status == 200
    assert body == b""
    assert headers["content-length"] == [get.header("Content-Length")]
    assert headers["content-type"] == ["application/json"]


def test_wrong_method_is_405_with_allow(app):
    r = call(app, "POST", "/ret/dict", body=b"{}", headers={"Content-Type": "application/json"})
    assert r.status == 405
    assert allow_set(r.header("Allow")) == {"GET", "HEAD", "OPTIONS"}
    assert "error" in r.json()


def test_options_is_204_with_allow(app):
    status, headers, body = raw_exchange(app, b"OPTIONS /ret/dict HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert status == 204
    assert body == b""
    assert allow_set(headers["allow"][0]) == {"GET", "HEAD", "OPTIONS"}
    r = call(app, "OPTIONS", "/echo")
    assert r.status == 204
    assert allow_set(r.header("Allow")) == {"POST", "OPTIONS"}


def test_unknown_path_is_404(app):
    r = call(app, "GET", "/no/such/route")
    assert r.status == 404
    assert r.header("Content-Type") == "application/json"
    assert "error" in r.json()


@pytest.mark.parametrize("target, location", [
    ("/dir", "/dir/"),
    ("/dir?x=1&y=a+b%26c", "/dir/?x=1&y=a+b%26c"),
])
def test_rule_ending_in_slash_redirects_with_308_keeping_the_query(app, target, location):
    r = call(app, "GET", target)
    assert r.status == 308
    assert r.header("Location") == location
    followed = call(app, "GET", location)
    assert followed.status == 200
    assert followed.json()["dir"] is True


# --- 3. request fields ---------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_method_decoded_path_and_query(app, method):
    r = call(app, method, "/req/a%20b/%C3%A9t%C3%A9?a=1&a=2&b=x+y&c=%26&d=&e=%C3%A9")
    assert r.status == 200
    got = r.json()
    assert got["method"] == method
    assert got["path"] == "/req/a b/été"
    assert got["path_params"] == {"rest": "a b/été"}
    assert got["query_params"] == {"a": "2", "b": "x y", "c": "&", "d": "", "e": "é"}
    assert got["query_params_multi"] == {"a": ["1", "2"], "b": ["x y"], "c": ["&"], "d": [""], "e": ["é"]}


def test_path_params_are_typed(app):
    big = 2**64 * 1000 + 7  # beyond 64 bits
    r = call(app, "GET", f"/typed/{big}/2.5/12345678-1234-5678-1234-567812345678/deep/er/path.txt")
    assert r.status == 200
    got = r.json()
    assert got["types"] == {"i": "builtins.int", "f": "builtins.float", "u": "uuid.UUID", "p": "builtins.str"}
    assert got["i"] == big and got["i_str"] == str(big)
    assert same_json(got["f"], 2.5)
    assert got["u"] == "12345678-1234-5678-1234-567812345678"
    assert got["p"] == "deep/er/path.txt"


def test_headers_are_case_insensitive(app):
    r = call(app, "GET", "/req/h", headers={"X-Custom-Thing": "Value One", "X-Repeated": "first"})
    got = r.json()
    assert got["header_lower"] == "Value One"
    assert got["header_upper"] == "Value One"
    assert got["header_mixed_in"] is True
    assert got["header_all"] == ["first"]
    # A header sent twice: every value is there, in order.
    status, _, body = raw_exchange(app, b"GET /req/h HTTP/1.1\r\nHost: t\r\nx-repeated: one\r\n"
                                        b"X-REPEATED: two\r\nConnection: close\r\n\r\n")
    assert status == 200
    assert json.loads(body)["header_all"] == ["one", "two"]


@pytest.mark.parametrize("path", ["/req/seen", "/req/seen-async"])
def test_each_request_sees_only_its_own_values_and_a_kept_one_stays_whole(app, keepalive, path):
    """A Request no one keeps is emptied and its object made the next one
    (one spare): nothing of an earlier request shows through. One the handler
    keeps stays as it was."""
    sent, ids = [], []
    for i in range(6):
        query = f"a={i}&b=x{i}" if i % 2 else f"keep=1&c={i}" if i == 4 else ""
        headers = {"X-Mark": f"m{i}", "Cookie": f"k=v{i}"} if i % 3 == 0 else {}
        if i % 2:
            headers["Content-Type"] = "application/json"
        body = json.dumps({"n": i}) if i % 2 else None
        r = call(app, "POST", f"{path}?{query}", body=body, headers=headers, conn=keepalive)
        assert r.status == 200, r.body
        got = r.json()
        ids.append(got.pop("id"))
        want = {"method": "POST", "path": path, "query": {k: [v] for k, v in (p.split("=") for p in query.split("&") if p)},
                "header": headers.get("X-Mark"), "body": {"n": i} if i % 2 else None,
                "cookies": {"k": f"v{i}"} if "Cookie" in headers else {}}
        assert got == want, i
        sent.append(want)
    assert len(set(ids)) < len(ids), "no Request object was made again: the spare is not in use"
    if path == "/req/seen":
        # The fifth was kept (its query says so): still whole after the request that followed it.
        assert call(app, "GET", "/req/kept", conn=keepalive).json()[-1] == sent[4]


@pytest.mark.parametrize("content_type, encoding", [
    ("text/plain; charset=utf-8", "utf-8"),
    ("text/plain", "utf-8"),
    ("text/plain; charset=ISO-8859-1", "latin-1"),
    ('text/plain;Charset="windows-1252"', "cp1252"),
    ("text/plain; charset=utf-16", "utf-16"),
    ("text/plain; charset=no-such-charset", "utf-8"),
])
def test_text_body_is_str_in_the_declared_charset(app, content_type, encoding):
    text = "héllo wörld café ±\nsecond line" if encoding != "utf-8" else "héllo wörld ✓\nsecond line"
    raw = text.encode(encoding)
    r = call(app, "POST", "/req/t", body=raw, headers={"Content-Type": content_type})
    got = r.json()
    assert (got["body_type"], got["body"]) == ("str", text)
    assert got["raw_body_type"] == "bytes"
    assert bytes.fromhex(got["raw_body_hex"]) == raw


def test_undecodable_text_body_gets_replacement_characters(app):
    r = call(app, "POST", "/req/t", body=b"ok \xff\xfe end", headers={"Content-Type": "text/plain"})
    got = r.json()
    assert (got["body_type"], got["body"]) == ("str", "ok \ufffd\ufffd end")


def test_empty_body_is_none(app):
    for headers in ({}, {"Content-Type": "application/json"}, {"Content-Type": "text/plain"}):
        r = call(app, "POST", "/req/e", body=b"", headers=headers)
        assert r.status == 200
        got = r.json()
        assert (got["body_type"], got["body"], got["raw_body_hex"]) == ("NoneType", None, "")


def test_raw_body_is_the_exact_bytes(app):
    raw = bytes(range(256))
    r = call(app, "PUT", "/req/raw", body=raw, headers={"Content-Type": "application/octet-stream"})
    got = r.json()
    assert got["raw_body_type"] == "bytes"
    assert bytes.fromhex(got["raw_body_hex"]) == raw


def test_json_body_is_parsed(app):
    r = call(app, "POST", "/req/j", body=b'{"k": [1, 2]}', headers={"Content-Type": "application/json"})
    got = r.json()
    assert got["body_type"] == "dict"
    assert got["body"] == "{'k': [1, 2]}"


def test_client_is_host_and_int_port(app):
    conn = http.client.HTTPConnection(app.host, app.port, timeout=15)
    try:
        conn.connect()
        host, port = conn.sock.getsockname()[:2]
        r = call(app, "GET", "/req/c", conn=conn)
    finally:
        conn.close()
    got = r.json()
    assert got["client"] == [host, port]
    assert got["client_types"] == ["str", "int"]
    assert got["client_is_tuple"] is True


# --- 4. exceptions and bad return values ----------------------------------------

@pytest.mark.parametrize("path, status, body", [
    ("/err/http", 409, {"error": "that name is taken"}),
    ("/err/http-detail", 422, {"error": {"field": "age", "problem": "negative"}}),
    ("/err/async-http", 403, {"error": "async says no"}),
    ("/err/http-bare", 404, {"error": "Not Found"}),  # no detail: the status's reason phrase
])
def test_http_error_is_its_status_with_a_json_error(app, path, status, body):
    r = call(app, "GET", path)
    assert r.status == status
    assert r.header("Content-Type") == "application/json"
    assert r.json() == body


def test_options_asterisk_lists_the_methods_of_every_route(app):
    r = call(app, "OPTIONS", "*")
    assert r.status == 204 and r.header("Allow") == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"


def test_http_error_headers_are_sent(app):
    r = call(app, "GET", "/err/http-headers")
    assert (r.status, r.json()) == (401, {"error": "who are you?"})
    assert r.header("WWW-Authenticate") == 'Bearer realm="snasio"'


def test_http_error_with_a_non_error_status_is_500(app):
    r = call(app, "GET", "/err/http-bad-status")
    assert (r.status, r.json()) == (500, INTERNAL_ERROR)
    assert "GET /err/http-bad-status" in wait_for_log(app, "GET /err/http-bad-status")


@pytest.mark.parametrize("path, exception", [
    ("/err/boom", "ValueError: kaboom-sync-"),
    ("/err/async-boom", "KeyError: 'kaboom-async-"),
])
def test_exception_is_500_and_the_traceback_goes_to_the_log_only(app, path, exception):
    tag = f"t{time.monotonic_ns()}"
    r = call(app, "GET", f"{path}?tag={tag}")
    assert r.status == 500
    assert r.header("Content-Type") == "application/json"
    assert r.json() == INTERNAL_ERROR
    assert tag.encode() not in r.body and b"Traceback" not in r.body
    log = wait_for_log(app, exception + tag)
    assert f"GET {path}" in log
    assert "Traceback (most recent call last)" in log
    assert exception + tag in log


def test_async_handler_exceptions_are_reported_once(app):
    """An async handler's exception is the server's to report: a 500 logs its
    traceback once, an HTTPError logs nothing, and asyncio never complains
    about a task exception that was never retrieved."""
    tag = f"once{time.monotonic_ns()}"
    assert call(app, "GET", f"/err/async-boom?tag={tag}").status == 500
    assert call(app, "GET", f"/err/async-http?tag={tag}").status == 403
    # The complaint comes when the finished task is collected: let it happen.
    assert call(app, "GET", "/ret/dict").status == 200
    time.sleep(0.3)
    log = app.stderr()
    assert log.count(f"kaboom-async-{tag}") == 1, log[-3000:]
    assert "Task exception was never retrieved" not in log, log[-3000:]


BAD_RETURNS = {
    "object": "type 'object'",
    "tuple-status": "status 99",
    "str-status": "status must be an int",
    "bool-status": "status must be an int",
    "tuple-4": "tuple must be",
    "header-crlf": "CR, LF or NUL",
    "header-name": "invalid header name",
    "header-framing": "set by the server",
    "headers-type": "headers must be",
    "nan": "nan",
    "inf": "inf",
    "int-key": "keys must be str",
    "nested-object": "type 'object' to JSON at $.v[1].deep",
    "response-status": "status 1000",
    "huge-status": "not a final HTTP status",
    "surrogate": "not valid Unicode",
    "header-value-type": "must be str",
    "content-type-type": "content_type must be str",
    "header-pairs": "headers must be (name, value) pairs",
    "header-surrogate": "header is not valid text",
    "headers-items": "headers must be a dict or a list",
    "cookies-not-a-list": "malformed Response object",
    "cookie-not-text": "a cookie is not valid text",
    "response-without-body": "malformed Response object",
}


@pytest.mark.parametrize("kind", sorted(BAD_RETURNS))
def test_value_that_cannot_become_a_response_is_500_with_a_logged_reason(app, kind):
    r = call(app, "GET", f"/bad/{kind}")
    assert r.status == 500
    assert r.json() == INTERNAL_ERROR
    assert r.header("Injected") is None
    line = f"GET /bad/{kind} (pe_app.bad) [request "
    log = wait_for_log(app, line)
    reasons = [l for l in log.splitlines() if line in l and "]: bad return value:" in l]
    assert reasons and BAD_RETURNS[kind] in reasons[-1], log[-2000:]
    assert "status -1 " not in reasons[-1]


def test_async_bad_return_is_500_too(app):
    r = call(app, "GET", "/err/async-bad")
    assert (r.status, r.json()) == (500, INTERNAL_ERROR)
    assert "bad return value" in wait_for_log(app, "GET /err/async-bad")


# --- 5. request bodies refused before the handler runs ---------------------------

def counter(srv):
    r = call(srv, "GET", "/count/value")
    assert r.status == 200
    return r.json()["n"]


def post_json(srv, body, content_type="application/json"):
    return call(srv, "POST", "/count", body=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize("body, content_type", [
    (b'{"a": 1,', "application/json"),
    (b'{"a" 1}', "application/json"),
    (b"[1, 2", "application/json"),
    (b"tru", "application/json"),
    (b"{'a': 1}", "application/json"),
    (b'{"a": 1} {"b": 2}', "application/json"),
    (b'"\xff\xfe"', "application/json"),
    (b"[1,]", "application/json; charset=utf-8"),
    (b"{", "application/problem+json"),
    (b"NaN", "application/json"),
    (b"[Infinity]", "application/json"),
    (b'{"a": -Infinity}', "application/json"),
    (b"[1e400]", "application/json"),
])
def test_malformed_json_is_400_and_the_handler_does_not_run(app, body, content_type):
    before = counter(app)
    r = post_json(app, body, content_type)
    assert r.status == 400
    assert r.header("Content-Type") == "application/json"
    error = r.json()["error"]
    assert error.startswith("invalid JSON at offset "), error
    assert counter(app) == before
    # The same route does run for a good body: the counter can move.
    assert post_json(app, b"[1]").status == 200
    assert counter(app) == before + 1


def nested(depth, kind):
    if kind == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1)


@pytest.mark.parametrize("kind", ["array", "object"])
def test_nesting_up_to_the_default_limit_of_64(app, kind):
    before = counter(app)
    assert post_json(app, nested(64, kind)).status == 200
    assert counter(app) == before + 1
    r = post_json(app, nested(65, kind))
    assert r.status == 400
    assert "nested deeper than 64" in r.json()["error"]
    r = post_json(app, nested(100_000, kind))
    assert r.status == 400
    assert counter(app) == before + 1


def test_max_json_depth_flag_bounds_bodies_and_returned_json(start_server):
    srv = start_server("--app-dir", str(MAIN_APP), "--max-json-depth", "3")
    assert post_json(srv, nested(3, "array")).status == 200
    r = post_json(srv, nested(4, "array"))
    assert r.status == 400
    assert "nested deeper than 3" in r.json()["error"]
    assert counter(srv) == 1
    # The reply is bounded too: echo wraps the body in one more level.
    r = call(srv, "POST", "/echo", body=b"[[1]]", headers={"Content-Type": "application/json"})
    assert (r.status, r.json()) == (200, {"v": [[1]]})
    r = call(srv, "POST", "/echo", body=b"[[[1]]]", headers={"Content-Type": "application/json"})
    assert (r.status, r.json()) == (500, INTERNAL_ERROR)
    assert "deeper than 3" in wait_for_log(srv, "POST /echo")


# --- 6. a full queue is refused with 503 ----------------------------------------

def test_full_queue_gets_503_with_retry_after_and_health_keeps_answering(start_server):
    # One sync thread: a handler that blocks hands its place to no other
    # thread, so exactly one runs and the queue's two places fill.
    srv = start_server("--app-dir", str(MAIN_APP), "--queue-depth", "2", "--blocking-threads", "1")
    n = 8
    socks = [srv.connect(timeout=20) for _ in range(n)]
    replies = [None] * n

    def exchange(i):
        socks[i].sendall(b"GET /block?s=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        replies[i] = recv_until_closed(socks[i], timeout=20)

    threads = [threading.Thread(target=exchange, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    # The sync thread sleeps in a handler; the reactor still serves natively.
    t0 = time.monotonic()
    health = call(srv, "GET", "/health")
    assert health.status == 200 and time.monotonic() - t0 < 0.5
    for t in threads:
        t.join(30)
    for s in socks:
        s.close()
    statuses = []
    for data in replies:
        assert data, "no reply"
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ")[1])
        statuses.append(status)
        if status == 503:
            assert b"\r\nretry-after: 1" in head.lower()
            assert "error" in json.loads(body)
        else:
            assert status == 200 and json.loads(body) == {"blocked": True}
    busy, ok = statuses.count(503), statuses.count(200)
    assert busy + ok == n
    # One handler running plus at most two waiting; the rest are refused.
    assert 2 <= ok <= 3, statuses
    assert busy >= n - 3
    assert call(srv, "GET", "/health").status == 200
    assert call(srv, "GET", "/ret/dict").status == 200


# --- 7. native routes do not wait for Python ------------------------------------

def test_native_route_answers_quickly_while_a_handler_holds_the_gil(start_server):
    srv = start_server("--app-dir", str(MAIN_APP))
    spin = {}

    def run_spin():
        spin["reply"] = call(srv, "GET", "/spin?s=3")
        spin["done"] = time.monotonic()

    t = threading.Thread(target=run_spin)
    start = time.monotonic()
    t.start()
    time.sleep(0.3)  # let the handler start spinning
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    latencies = []
    try:
        for _ in range(20):
            t0 = time.monotonic()
            r = call(srv, "GET", "/health", conn=conn)
            latencies.append(time.monotonic() - t0)
            assert r.status == 200 and r.json() == {"status": "ok"}
    finally:
        conn.close()
    health_done = time.monotonic()
    t.join(30)
    assert spin["reply"].status == 200 and spin["reply"].json()["spins"] > 0
    # The checks really overlapped the spin, and none of them waited for it.
    assert health_done < spin["done"], (health_done - start, spin["done"] - start)
    assert spin["done"] - start >= 2.9
    assert max(latencies) < 0.5, latencies


# --- 8. start-up failures -------------------------------------------------------

def test_module_raising_at_import_stops_start_up_with_its_traceback():
    code, out, err = run_to_exit(["--app-dir", str(APPS / "import_error")])
    assert code != 0
    assert "listening" not in out
    assert "Traceback (most recent call last)" in err
    assert "RuntimeError: pe_broken cannot load its settings (marker 5d1e)" in err
    assert "load_settings" in err
    assert "pe_broken" in err


def test_missing_app_dir_stops_start_up_with_a_clear_message(tmp_path):
    missing = tmp_path / "no-such-app"
    code, out, err = run_to_exit(["--app-dir", str(missing)])
    assert code != 0
    assert "listening" not in out
    assert str(missing) in err and "does not exist" in err
    code, out, err = run_to_exit(["--app-dir"])
    assert code != 0
    assert "listening" not in out
    assert "--app-dir" in err


def test_bad_route_pattern_stops_start_up_naming_it():
    code, out, err = run_to_exit(["--app-dir", str(APPS / "bad_pattern")])
    assert code != 0
    assert "listening" not in out
    assert "/items/<foo:x>" in err
    assert "foo" in err


def test_route_methods_that_are_not_str_stop_start_up_naming_the_route():
    code, out, err = run_to_exit(["--app-dir", str(APPS / "bad_methods")])
    assert code != 0 and "listening" not in out
    assert "route '/items': methods must be a list of str" in err, err


def test_an_int_bound_beyond_a_double_still_bounds_exactly(start_server):
    srv = start_server("--app-dir", str(APPS / "huge_bound"))
    huge = "1" + "0" * 400
    assert call(srv, "GET", "/n/" + huge).json() == {"n": huge}
    assert call(srv, "GET", "/n/" + huge[:-1] + "1").status == 404
    assert call(srv, "GET", "/neg/-" + huge).json() == {"n": "-" + huge}
    assert call(srv, "GET", "/neg/-" + huge + "1").status == 404
    # Past Python's limit on int digits (sys.get_int_max_str_digits(), 4300):
    # the client's path is at fault.
    r = call(srv, "GET", "/neg/" + "7" * 5000)
    assert r.status == 400 and r.json() == {"error": "integer path parameter 'n' is too long"}


def test_module_flag_imports_only_that_module(start_server):
    # Without --module every *.py is imported, and pe_second refuses.
    code, out, err = run_to_exit(["--app-dir", str(APPS / "modules")])
    assert code != 0 and "pe_second was imported" in err
    srv = start_server("--app-dir", str(APPS / "modules"), "--module", "pe_first")
    r = call(srv, "GET", "/first")
    assert (r.status, r.json()) == (200, {"first": True, "second_imported": False})
    assert call(srv, "GET", "/second").status == 404
    assert "pe_second" not in srv.stderr()


# --- 9. virtual environments ----------------------------------------------------

SITE = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
DIST_PACKAGES = "/usr/lib/python3/dist-packages"


@pytest.fixture(scope="module")
def venvs(tmp_path_factory):
    """Two venvs made by Debian's python3, each with a package of its own."""
    made = {}
    for name, extra in (("plain", []), ("system", ["--system-site-packages"])):
        venv = tmp_path_factory.mktemp("venv") / name
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", *extra, str(venv)],
                       check=True, timeout=120)
        package = venv / SITE / "pe_venvpkg"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(f"VALUE = 'installed in the {name} venv'\n")
        made[name] = venv
    return made


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH")}
    env.update(extra)
    return env


@pytest.mark.parametrize("kind", ["plain", "system"])
@pytest.mark.parametrize("how", ["flag", "env", "flag-over-env"])
def test_venv_is_the_interpreters_prefix_and_its_packages_import(start_server, venvs, kind, how):
    venv = venvs[kind]
    other = venvs["system" if kind == "plain" else "plain"]
    args = ["--app-dir", str(APPS / "venv")]
    if how == "flag":
        srv = start_server(*args, "--venv", str(venv), env=clean_env())
    elif how == "env":
        srv = start_server(*args, env=clean_env(VIRTUAL_ENV=str(venv)))
    else:  # --venv wins over $VIRTUAL_ENV
        srv = start_server(*args, "--venv", str(venv), env=clean_env(VIRTUAL_ENV=str(other)))
    r = call(srv, "GET", "/env")
    assert r.status == 200
    got = r.json()
    assert got["prefix"] == str(venv)
    assert got["base_prefix"] == "/usr"
    assert got["executable"] == str(venv / "bin" / "python3")
    assert got["package"] == f"installed in the {kind} venv"
    assert got["package_file"] == str(venv / SITE / "pe_venvpkg" / "__init__.py")
    assert str(venv / SITE) in got["path"]
    if kind == "system":
        assert got["numpy"] is not None and got["numpy"].startswith(DIST_PACKAGES + "/")
    else:
        assert got["numpy"] is None
        assert DIST_PACKAGES not in got["path"]


def test_no_venv_means_debians_python():
    # Control for the venv tests: the venv's package is not importable without it.
    code, out, err = run_to_exit(["--app-dir", str(APPS / "venv")], env=clean_env())
    assert code != 0
    assert "No module named 'pe_venvpkg'" in err


# --- 10. the example app --------------------------------------------------------

def test_example_hello_reports_the_python_version(start_server):
    srv = start_server("--app-dir", str(EXAMPLE_APP))
    r = call(srv, "GET", "/hello")
    assert r.status == 200
    assert r.header("Content-Type") == "application/json"
    assert r.json() == {"message": "Hello from Python", "python": platform.python_version()}
