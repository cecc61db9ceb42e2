"""Handlers that block stall nothing: a plain def that waits runs on the
sync threads and holds up no other Python route; one that holds the GIL is
named in the log; a crash leaves a trace; nothing spins while requests wait.
(The strict figures are in `just bench`: "... while 8 handlers sleep".)"""

import os
import re
import signal
import subprocess
import threading
import time

from conftest import ROOT, Client

APP = ROOT / "test" / "py" / "apps" / "blocking"


def wrk(srv, path, seconds=2, connections=8):
    """req/s and p99 (ms) of a short wrk load."""
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", f"{srv.url}{path}"],
                         check=True, capture_output=True, text=True).stdout
    assert "Non-2xx" not in out and "Socket errors" not in out, out
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1, "s": 1e3}[p99.group(2)]
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), float(p99.group(1)) * scale


class sleepers:
    """`n` clients that each keep a request to `path` in its handler."""

    def __init__(self, srv, n, path):
        self.srv, self.path, self.stopping = srv, path, threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(n)]

    def run(self):
        while not self.stopping.is_set():
            c = Client(self.srv, timeout=30)
            c.send(f"GET {self.path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            assert c.response().status == 200
            c.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *_):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=5)


def test_eight_sleeping_sync_handlers_hold_up_no_other_python_route(start_server):
    srv = start_server("--app-dir", str(APP))
    without = {path: wrk(srv, path) for path in ("/hello", "/ahello")}
    with sleepers(srv, 8, "/sleep?s=1"):
        during = {path: wrk(srv, path) for path in ("/hello", "/ahello")}
    for path in ("/hello", "/ahello"):
        (rps_without, _), (rps, p99) = without[path], during[path]
        # Loose bounds, for a shared machine: the strict ones are just bench's.
        assert p99 < 200, f"{path}: p99 {p99:.1f} ms while 8 handlers sleep"
        assert rps > 0.4 * rps_without, f"{path}: {rps:.0f} req/s while 8 handlers sleep, {rps_without:.0f} without"


def test_a_handler_marked_blocking_is_a_sync_handler_like_any_other(start_server):
    srv = start_server("--app-dir", str(APP))
    assert re.search(r"route GET /marked -> blocking_app\.marked\n", srv.stderr())  # no tag: a sync route
    began = time.monotonic()
    c = Client(srv)
    c.send(b"GET /marked HTTP/1.1\r\nHost: t\r\n\r\n")
    d = Client(srv)
    d.send(b"GET /sleep?s=0.5 HTTP/1.1\r\nHost: t\r\n\r\n")
    assert c.response().json() == {"marked": True} and d.response().json() == {"slept": True}
    assert time.monotonic() - began < 0.9  # the two waited side by side


def test_a_handler_that_holds_the_gil_is_named_in_the_log_once_per_route(start_server):
    srv = start_server("--app-dir", str(APP), "--gil-hold-warning", "0.1")
    c = Client(srv)
    for _ in range(2):
        c.send(b"GET /compute?s=0.3 HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.response().json() == {"computed": True}
    c.send(b"GET /sleep?s=0.3 HTTP/1.1\r\nHost: t\r\n\r\n")  # waits without the GIL: not named
    assert c.response().status == 200
    time.sleep(0.2)
    lines = [line for line in srv.stderr().splitlines() if "held the GIL" in line]
    assert len(lines) == 1, lines
    assert re.search(r"blocking_app\.compute \(GET /compute\) has held the GIL for 1\d\d ms", lines[0]), lines
    assert "use_process_pool=True" in lines[0]


def test_the_gil_warning_can_be_turned_off(start_server):
    srv = start_server("--app-dir", str(APP), "--gil-hold-warning", "0")
    c = Client(srv)
    c.send(b"GET /compute?s=0.3 HTTP/1.1\r\nHost: t\r\n\r\n")
    assert c.response().status == 200
    time.sleep(0.2)
    assert "held the GIL" not in srv.stderr()


def cpu_share(pid, seconds):
    """The share of a core the process itself (every thread, not its
    children) uses over `seconds`."""
    def cpu():
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    before, began = cpu(), time.monotonic()
    time.sleep(seconds)
    return (cpu() - before) / (time.monotonic() - began)


def test_nothing_spins_while_requests_merely_wait(start_server):
    srv = start_server("--app-dir", str(APP), "--pool-workers", "1", "--drain-timeout", "1")
    # One short stream first (one item: two pieces): pieces must not count as
    # answers, or the count of requests in flight drifts below the truth.
    c = Client(srv)
    c.send(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
    c.response(head=True)
    # One request waiting: the reactor looks for its reply briefly, then sleeps.
    first = Client(srv, timeout=30)
    first.send(b"GET /asleep?s=5 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.5)
    used = cpu_share(srv.proc.pid, 1.5)
    assert used < 0.05, f"the server used {used:.1%} of a core while one request waited"
    # And the three: an async sleep, a sync handler asleep, a pool job.
    waiting = [Client(srv, timeout=30) for _ in range(2)]
    waiting[0].send(b"GET /sleep?s=10 HTTP/1.1\r\nHost: t\r\n\r\n")
    waiting[1].send(b"GET /pool-sleep?s=8 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(1)  # the pool's worker started, every handler is waiting
    used = cpu_share(srv.proc.pid, 2)
    assert used < 0.05, f"the server used {used:.1%} of a core while three requests waited"
    assert first.response().json() == {"slept": True}
    for w in (first, *waiting):
        w.close()


def test_a_crash_names_the_signal_the_route_and_the_request_then_every_threads_traceback(start_server):
    srv = start_server("--app-dir", str(APP))
    c = Client(srv)
    c.send(b"GET /crash HTTP/1.1\r\nHost: t\r\nX-Request-ID: crash-1\r\n\r\n")
    assert srv.wait(timeout=10) == -signal.SIGSEGV  # the exit status stays the signal's
    log = srv.stderr()
    line = "snasio: fatal signal SIGSEGV (segmentation fault) in GET /crash (blocking_app.crash) [request crash-1]"
    assert line in log, log
    after = log[log.index(line):]
    assert "Fatal Python error: Segmentation fault" in after and "Current thread" in after, after
    assert re.search(r'File ".*blocking_app\.py", line \d+ in crash', after), after


def test_a_crash_in_an_async_handler_names_the_requests_on_the_loop(start_server):
    srv = start_server("--app-dir", str(APP))
    c = Client(srv)
    c.send(b"GET /acrash HTTP/1.1\r\nHost: t\r\nX-Request-ID: crash-2\r\n\r\n")
    assert srv.wait(timeout=10) == -signal.SIGSEGV
    log = srv.stderr()
    assert ("snasio: fatal signal SIGSEGV (segmentation fault) on the event loop, in one of these async handlers: "
            "GET /acrash (blocking_app.acrash) [request crash-2]") in log, log
    assert re.search(r'File ".*blocking_app\.py", line \d+ in acrash', log), log


def test_under_workers_the_supervisor_says_which_request_crashed_a_worker(start_server):
    srv = start_server("--app-dir", str(APP), "--workers", "2")
    # Whichever worker accepts it dies: one request, one crash (a second one
    # sent meanwhile could kill the other worker under the test's feet).
    c = Client(srv)
    c.send(b"GET /crash HTTP/1.1\r\nHost: t\r\nX-Request-ID: crash-3\r\n\r\n")
    deadline = time.monotonic() + 10
    while "starting it again" not in srv.stderr() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert re.search(r"worker \d \(pid \d+\) was killed by SIGSEGV \(fatal signal SIGSEGV \(segmentation fault\) "
                     r"in GET /crash \(blocking_app\.crash\) \[request crash-3\]\): starting it again", srv.stderr()), \
        srv.stderr()
    c = Client(srv)  # and the workers serve on
    c.send(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
    assert c.response().json() == {"hello": "sync"}


def test_the_sync_threads_are_traced_as_threading_traces_its_own(start_server, tmp_path):
    # threading.settrace (coverage, debuggers) reaches the threads threading
    # starts; the sync threads, started by the server, get it as well.
    (tmp_path / "traced.py").write_text(
        "import sys, threading\n"
        "from snasio import route\n"
        "def tracer(frame, event, arg):\n"
        "    return None\n"
        "threading.settrace(tracer)\n"
        "@route('/traced')\n"
        "def traced(request):\n"
        "    return {'traced': sys.gettrace() is tracer, 'thread': threading.current_thread().name}\n")
    srv = start_server("--app-dir", str(tmp_path))
    c = Client(srv)
    c.send(b"GET /traced HTTP/1.1\r\nHost: t\r\n\r\n")
    r = c.response()
    assert r.status == 200 and r.json()["traced"] is True, r.body
