"""Property test of the shutdown sequence: whatever mix of requests is in
flight when SIGTERM arrives, the server finishes what it has read (within the
drain deadline), never sends a partial response, closes idle and half-sent
connections, closes each connection as soon as its last answer is out (a
client that keeps it open is not waited for), stops accepting, leaves no
worker process behind and exits 0."""

import json
import os
import pathlib
import signal
import socket
import threading
import time

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import Server

APP = pathlib.Path(__file__).parent / "apps" / "shutdown"
DRAIN_TIMEOUT = 2  # seconds, passed as --drain-timeout

# What each client does before the signal. Handler durations stay well inside
# the drain deadline ("finishes") or well past it ("outlives").
finishing = st.tuples(st.just("request"), st.sampled_from(["sync", "async", "blocking", "pool"]),
                      st.integers(min_value=0, max_value=800))
outliving = st.tuples(st.just("request"), st.sampled_from(["async", "blocking"]), st.just(DRAIN_TIMEOUT * 1000 + 2500))
clients = st.lists(st.one_of(finishing, finishing, outliving, st.tuples(st.just("idle")),
                             st.tuples(st.just("partial"))), min_size=1, max_size=8)


def read_until_closed(sock, out, timeout=15):
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            out["last_data_at"] = time.monotonic()
    except (ConnectionResetError, socket.timeout):
        pass
    out["data"] = data
    out["closed_at"] = time.monotonic()


def parse_responses(data):
    """Splits bytes into complete responses; raises if any is cut short."""
    responses = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        assert sep, f"a response head was cut short: {data[:200]!r}"
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        assert len(rest) >= length, f"a response body was cut short: {len(rest)} of {length} bytes"
        responses.append((status, headers, rest[:length]))
        data = rest[length:]
    return responses


def children_of(pid):
    """Every descendant process of `pid` (pool workers, the fork server)."""
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    for child in f.read().split():
                        if int(child) not in found:
                            found.add(int(child))
                            todo.append(int(child))
        except FileNotFoundError:
            pass
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"  # the state follows the (comm)
    except FileNotFoundError:
        return False


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=clients, pause=st.floats(min_value=0.0, max_value=0.2))
def test_sigterm_with_any_mix_in_flight(plan, pause):
    srv = Server(["--app-dir", str(APP), "--drain-timeout", str(DRAIN_TIMEOUT), "--pool-workers", "2"])
    try:
        results = []
        threads = []
        for i, step in enumerate(plan):
            sock = srv.connect()
            out = {"step": step}
            if step[0] == "request":
                sock.sendall(f"GET /{step[1]}/{step[2]} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            elif step[0] == "idle":
                sock.sendall(b"GET /sync/0 HTTP/1.1\r\nHost: t\r\n\r\n")
            else:
                sock.sendall(b"GET /sync/0 HTTP/1.1\r\nHost: t\r\nHo")
            t = threading.Thread(target=read_until_closed, args=(sock, out))
            t.start()
            threads.append(t)
            results.append((sock, out))
        # Let the server read every request in full before the signal.
        time.sleep(0.3 + pause)
        workers = children_of(srv.proc.pid)
        signalled = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)

        time.sleep(0.3)
        if srv.proc.poll() is None:
            try:
                socket.create_connection((srv.host, srv.port), timeout=2).close()
                raise AssertionError("a new connection was accepted while draining")
            except ConnectionRefusedError:
                pass

        code = srv.proc.wait(timeout=DRAIN_TIMEOUT + 10)
        exited = time.monotonic() - signalled
        for t in threads:
            t.join(timeout=15)
        assert code == 0
        assert exited < DRAIN_TIMEOUT + 6, f"exit took {exited:.1f} s"
        # Nothing outlives the drain: the server is gone soon after the last connection closed.
        last_closed = max(out["closed_at"] for _, out in results) - signalled
        assert exited - last_closed < 1.5, f"exit {exited:.1f} s after the signal, {last_closed:.1f} s after the last close"

        for sock, out in results:
            sock.close()
            step = out["step"]
            responses = parse_responses(out["data"])
            if step[0] == "request" and step[2] < DRAIN_TIMEOUT * 1000:
                # Read before the signal and short enough: answered in full.
                assert len(responses) == 1, (step, out["data"][:300])
                status, headers, body = responses[0]
                assert status == 200, (step, body)
                assert json.loads(body)["kind"] == step[1]
                # Its answer out and the drain begun, the connection closes at
                # once, though the client keeps it open.
                since = out["closed_at"] - max(out["last_data_at"], signalled)
                assert since < 0.5, (step, since)
            elif step[0] == "request":
                # Outlived the drain deadline: the connection closed, with no answer or a whole one.
                assert len(responses) <= 1
            elif step[0] == "idle":
                assert len(responses) == 1 and responses[0][0] == 200
            else:
                # A request still arriving is abandoned: nothing is sent for it.
                assert responses == [] or all(r[0] == 408 for r in responses)
        # Pool workers are stopped before the server exits; the fork server
        # and the resource tracker notice their parent is gone (their pipe to
        # it closes) and follow within moments.
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in workers:
            assert not alive(pid), f"process {pid} outlived the server by 5 s"
    finally:
        srv.stop()


def test_a_drain_of_one_and_a_half_seconds_of_work_takes_at_most_two(start_server):
    """Three clients whose work (async, sync, blocking) takes 1.5 s, and who
    keep their connections open after their answers: the server exits within
    2 s of SIGTERM, each answer whole."""
    srv = start_server("--app-dir", str(APP), "--drain-timeout", "10")
    results, threads = [], []
    for kind in ("async", "sync", "blocking"):
        sock = srv.connect()
        sock.sendall(f"GET /{kind}/1500 HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        out = {}
        threads.append(threading.Thread(target=read_until_closed, args=(sock, out)))
        threads[-1].start()
        results.append(out)
    time.sleep(0.1)
    signalled = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.proc.wait(timeout=10) == 0
    took = time.monotonic() - signalled
    for t in threads:
        t.join(timeout=5)
    assert took < 2.0, f"the drain took {took:.2f} s"
    for out in results:
        assert [status for status, _, _ in parse_responses(out["data"])] == [200]
