"""Operations: the access log, request ids, --log-level and what proxies in
front may say (--forwarded-allow-ips). Every test runs the real server."""

import json
import os
import re
import select
import socket
import stat
import subprocess
import time

import pytest

from conftest import ROOT, SERVE, Client

APP = ROOT / "test" / "py" / "apps" / "ops"


def get(srv, path, headers=b""):
    c = Client(srv)
    c.send(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n" + headers + b"\r\n")
    return c.response()


def stdout_lines(srv, count, timeout=5.0):
    """The next `count` lines the server writes to stdout (the access log),
    read from the descriptor itself: a buffered readline would hide lines
    that arrived together from select()."""
    data, deadline = b"", time.monotonic() + timeout
    fd = srv.proc.stdout.fileno()
    while data.count(b"\n") < count and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    return [line + "\n" for line in data.decode().split("\n")[:-1]]


# -- request ids -------------------------------------------------------------------------

def test_a_request_id_is_generated_echoed_and_handed_to_the_handler(start_server):
    srv = start_server("--app-dir", str(APP))
    first, second = get(srv, "/whoami"), get(srv, "/whoami")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert ids[0] != ids[1]
    # This process's prefix, then a count in hex.
    assert all(re.fullmatch(r"[0-9a-z]{6}-[0-9a-f]+", i) for i in ids)
    assert ids[0][:7] == ids[1][:7] and int(ids[1][7:], 16) == int(ids[0][7:], 16) + 1
    assert first.json()["request_id"] == ids[0] and second.json()["request_id"] == ids[1]
    assert get(srv, "/health").headers["x-request-id"]  # native routes too


def test_request_ids_may_be_shaped_as_uuids(start_server):
    srv = start_server("--app-dir", str(APP), "--request-id-format", "uuid")
    ids = [get(srv, "/whoami").headers["x-request-id"] for _ in range(2)]
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}", i) for i in ids)
    assert ids[0][:24] == ids[1][:24] and int(ids[1][24:], 16) == int(ids[0][24:], 16) + 1


def test_a_safe_incoming_request_id_is_kept_and_an_unsafe_one_replaced(start_server):
    srv = start_server("--app-dir", str(APP))
    r = get(srv, "/whoami", b"X-Request-ID: 0b8e2d4c-6f1a-4e4b-9e3c-1d2f3a4b5c6d\r\n")
    assert r.headers["x-request-id"] == r.json()["request_id"] == "0b8e2d4c-6f1a-4e4b-9e3c-1d2f3a4b5c6d"
    for unsafe in [b"has space", b"quote\"d", b"x" * 129, b"semi;colon"]:
        r = get(srv, "/whoami", b"X-Request-ID: " + unsafe + b"\r\n")
        assert r.headers["x-request-id"] != unsafe.decode()
        assert re.fullmatch(r"[0-9a-z]{6}-[0-9a-f]+", r.json()["request_id"])
    assert get(srv, "/whoami", b"X-Request-ID: " + b"x" * 128 + b"\r\n").headers["x-request-id"] == "x" * 128


def test_the_longest_request_id_kept_is_configurable(start_server):
    srv = start_server("--app-dir", str(APP), "--max-request-id-bytes", "8")
    assert get(srv, "/whoami", b"X-Request-ID: abcdefgh\r\n").headers["x-request-id"] == "abcdefgh"
    assert get(srv, "/whoami", b"X-Request-ID: abcdefghi\r\n").headers["x-request-id"] != "abcdefghi"


def test_a_handler_error_in_the_log_names_the_request_id(start_server):
    srv = start_server("--app-dir", str(APP))
    r = get(srv, "/boom", b"X-Request-ID: trace-77\r\n")
    assert r.status == 500 and r.headers["x-request-id"] == "trace-77"
    deadline = time.monotonic() + 5
    while "boom for the log" not in srv.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "error in GET /boom (ops_app.boom) [request trace-77]" in srv.stderr()


# -- the access log ----------------------------------------------------------------------

def test_the_access_log_is_off_unless_asked(start_server):
    srv = start_server("--app-dir", str(APP))
    get(srv, "/whoami")
    assert stdout_lines(srv, 1, timeout=1.5) == []


def test_the_text_access_log_has_a_line_per_request(start_server):
    srv = start_server("--app-dir", str(APP), "--access-log")
    get(srv, "/whoami?x=1", b"X-Request-ID: line-1\r\n")
    get(srv, "/nowhere")
    c = Client(srv)
    c.send(b"BAD\x01 / HTTP/1.1\r\n\r\n")
    assert c.response().status == 400
    lines = stdout_lines(srv, 3)
    assert len(lines) == 3
    ok = re.fullmatch(r'127\.0\.0\.1:(\d+) \[[^\]]+ GMT\] "GET /whoami\?x=1" 200 (\d+) (\d+\.\d{3})ms line-1\n', lines[0])
    assert ok, lines[0]
    assert re.fullmatch(r'127\.0\.0\.1:\d+ \[[^\]]+\] "GET /nowhere" 404 \d+ \d+\.\d{3}ms [0-9a-z]{6}-[0-9a-f]+\n',
                        lines[1]), lines[1]
    # A request that could not be parsed: the peer, no method or target.
    assert re.fullmatch(r'127\.0\.0\.1:\d+ \[[^\]]+\] "- -" 400 \d+ 0\.000ms \n', lines[2]), lines[2]


def test_the_json_access_log_has_one_object_per_line(start_server):
    srv = start_server("--app-dir", str(APP), "--access-log", "--access-log-format", "json")
    get(srv, '/whoami?q="\x7f'.replace("\x7f", "%7F"), b"X-Request-ID: json-1\r\n")
    entry = json.loads(stdout_lines(srv, 1)[0])
    assert entry["client"].startswith("127.0.0.1:")
    assert (entry["method"], entry["target"], entry["status"], entry["request_id"]) == (
        "GET", '/whoami?q="%7F', 200, "json-1")
    assert entry["bytes"] > 0 and entry["duration_ms"] >= 0 and entry["time"].endswith("GMT")


def test_the_access_log_is_written_at_exit(start_server):
    srv = start_server("--app-dir", str(APP), "--access-log=true")
    get(srv, "/whoami")
    srv.signal(15)
    assert srv.wait() == 0
    assert '"GET /whoami" 200' in srv.proc.stdout.read().decode()


def test_a_bad_access_log_setting_names_the_flag(start_server):
    for args, message in [(["--access-log-format", "xml"], "--access-log-format (text or json)"),
                          (["--access-log=maybe"], "--access-log (true or false)"),
                          (["--log-level", "loud"], "--log-level (debug, info, warning, error)"),
                          (["--forwarded-allow-ips", "10.0.0.0/40"], "'10.0.0.0/40' in --forwarded-allow-ips")]:
        run = subprocess.run([str(SERVE), *args], capture_output=True, text=True, timeout=10)
        assert run.returncode == 2 and message in run.stderr, run.stderr


# -- --log-level -------------------------------------------------------------------------

def test_log_level_warning_hides_info_and_keeps_errors(start_server):
    srv = start_server("--app-dir", str(APP), "--log-level", "warning")
    get(srv, "/boom")
    srv.signal(15)
    assert srv.wait() == 0
    log = srv.stderr()
    assert "error in GET /boom" in log
    assert "route GET /whoami" not in log and "draining" not in log


def test_log_level_error_hides_warnings(start_server):
    srv = start_server("--log-level", "error")
    srv.signal(15)
    assert srv.wait() == 0
    assert "serving the native routes only" not in srv.stderr()


def test_log_level_debug_tells_of_refused_requests(start_server):
    srv = start_server("--log-level", "debug")
    c = Client(srv)
    c.send(b"GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n")
    assert c.response().status == 400
    deadline = time.monotonic() + 5
    while "refused" not in srv.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert re.search(r"refused a request from 127\.0\.0\.1:\d+: 400 ", srv.stderr())


def test_the_app_can_set_the_log_level_and_the_access_log(start_server, tmp_path):
    (tmp_path / "quiet.py").write_text(
        "from snasio import configure, route\n"
        "configure(log_level='warning', access_log=True)\n"
        "@route('/x')\ndef x(request):\n    return 'x'\n")
    srv = start_server("--app-dir", str(tmp_path))
    get(srv, "/x")
    assert '"GET /x" 200' in stdout_lines(srv, 1)[0]
    srv.signal(15)
    assert srv.wait() == 0
    assert "draining" not in srv.stderr()


# -- proxies -----------------------------------------------------------------------------

def test_a_trusted_proxy_names_the_client_and_scheme(start_server):
    srv = start_server("--app-dir", str(APP))  # 127.0.0.1 is trusted by default
    r = get(srv, "/whoami", b"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n")
    assert r.json()["client"] == ["203.0.113.9", 0] and r.json()["scheme"] == "https"
    r = get(srv, "/whoami", b'Forwarded: for="[2001:db8::7]:4711";proto=https\r\n')
    assert r.json()["client"] == ["2001:db8::7", 4711] and r.json()["scheme"] == "https"
    # Whatever bytes the header holds, the client is a str of them (Latin-1, as headers are).
    r = get(srv, "/whoami", b"X-Forwarded-For: caf\xe9\r\n")
    assert r.status == 200 and r.json()["client"] == ["caf\u00e9", 0]
    # Straight from the peer again: its own address.
    assert get(srv, "/whoami").json()["client"][0] == "127.0.0.1"


def test_a_forged_leftmost_entry_is_not_believed(start_server):
    srv = start_server("--app-dir", str(APP), "--forwarded-allow-ips", "127.0.0.1, 10.0.0.0/8")
    r = get(srv, "/whoami", b"X-Forwarded-For: 6.6.6.6, 198.51.100.4, 10.1.2.3\r\n")
    assert r.json()["client"] == ["198.51.100.4", 0]


def test_an_untrusted_peer_is_the_client_whatever_it_says(start_server):
    srv = start_server("--app-dir", str(APP), "--forwarded-allow-ips", "10.0.0.0/8")
    r = get(srv, "/whoami", b"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n")
    assert r.json()["client"][0] == "127.0.0.1" and r.json()["client"][1] > 0
    assert r.json()["scheme"] == "http"


def test_the_access_log_shows_the_forwarded_client(start_server):
    srv = start_server("--app-dir", str(APP), "--access-log")
    get(srv, "/whoami", b"X-Forwarded-For: 203.0.113.9\r\n")
    assert stdout_lines(srv, 1)[0].startswith("203.0.113.9:0 ")


# -- Unix sockets ------------------------------------------------------------------------

def test_a_unix_socket_is_served_with_its_mode_and_removed_at_exit(start_server, tmp_path):
    path = tmp_path / "app.sock"
    srv = start_server("--app-dir", str(APP), "--uds", str(path), "--uds-mode", "600")
    assert srv.url == f"unix:{path}"
    assert stat.S_ISSOCK(path.stat().st_mode) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert get(srv, "/whoami").json()["client"] == ["", 0]
    srv.signal(15)
    assert srv.wait() == 0
    assert not path.exists()


def test_a_unix_socket_lets_in_its_owner_and_group_only_by_default(start_server, tmp_path):
    path = tmp_path / "app.sock"
    start_server("--app-dir", str(APP), "--uds", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o660


def test_unix_socket_peers_name_the_client_only_when_the_flag_says_unix(start_server, tmp_path):
    # Any local process the socket's mode lets in is such a peer: by default
    # it cannot make itself another client or pretend to come over https.
    forged = b"X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n"
    plain = start_server("--app-dir", str(APP), "--uds", str(tmp_path / "plain.sock"))
    r = get(plain, "/whoami", forged)
    assert r.status == 200 and r.json()["client"] == ["", 0] and r.json()["scheme"] == "http"
    proxied = start_server("--app-dir", str(APP), "--uds", str(tmp_path / "proxied.sock"),
                           "--forwarded-allow-ips", "127.0.0.1,unix")
    r = get(proxied, "/whoami", forged)
    assert r.json()["client"] == ["6.6.6.6", 0] and r.json()["scheme"] == "https"


def test_trusting_every_peer_is_allowed_with_a_warning(start_server):
    srv = start_server("--app-dir", str(APP), "--forwarded-allow-ips", "*")
    r = get(srv, "/whoami", b"X-Forwarded-For: 6.6.6.6\r\n")
    assert r.json()["client"] == ["6.6.6.6", 0]
    assert "--forwarded-allow-ips '*': every peer may name the client" in srv.stderr()


def test_a_forwarded_allow_ips_item_that_is_none_of_the_kinds_is_refused_at_start():
    run = subprocess.run([str(SERVE), "--forwarded-allow-ips", "10.0.0.0/8,unix,localhost"],
                         capture_output=True, text=True, timeout=20)
    assert run.returncode == 2
    assert "invalid item 'localhost' in --forwarded-allow-ips (an address, a CIDR, unix or *)" in run.stderr


def test_a_stale_socket_file_is_replaced(start_server, tmp_path):
    path = tmp_path / "stale.sock"
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(str(path))
    left.close()  # the file stays, nobody listens: what a killed server leaves
    srv = start_server("--app-dir", str(APP), "--uds", str(path))
    assert get(srv, "/health").status == 200


def test_a_live_socket_or_a_file_that_is_no_socket_is_refused(start_server, tmp_path):
    path = tmp_path / "live.sock"
    start_server("--uds", str(path))
    run = subprocess.run([str(SERVE), "--uds", str(path)], capture_output=True, text=True, timeout=20)
    assert run.returncode != 0 and "a server is listening on it" in run.stderr
    regular = tmp_path / "notes.txt"
    regular.write_text("keep me")
    run = subprocess.run([str(SERVE), "--uds", str(regular)], capture_output=True, text=True, timeout=20)
    assert run.returncode != 0 and "exists and is not a socket" in run.stderr
    assert regular.read_text() == "keep me"
