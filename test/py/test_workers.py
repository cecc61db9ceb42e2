"""--workers, --max-requests and --reload: the supervisor and its worker
processes, against the real binary."""

import concurrent.futures
import re
import signal
import subprocess
import time

from conftest import ROOT, SERVE, Client

APP = ROOT / "test" / "py" / "apps" / "workers"


def get(srv, path):
    c = Client(srv)
    c.send(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    return c.response()


def wait_for(srv, text, timeout=10.0):
    deadline = time.monotonic() + timeout
    while text not in srv.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    return text in srv.stderr()


def test_two_workers_share_one_port_and_both_serve(start_server):
    srv = start_server("--app-dir", str(APP), "--workers", "2")
    assert wait_for(srv, "worker 2 started") and wait_for(srv, "worker 1: route GET /pid")
    assert wait_for(srv, "worker 2: route GET /pid")
    pids = set()
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        for _ in range(5):
            pids |= set(pool.map(lambda _: get(srv, "/pid?s=0.05").json()["pid"], range(64)))
            if len(pids) == 2:
                break
    assert len(pids) == 2
    # --port 0: one line names the one port every worker serves.
    srv.signal(signal.SIGTERM)
    assert srv.wait() == 0
    assert srv.proc.stdout.read() == b""
    log = srv.stderr()
    assert "worker 1: drained" in log and "worker 2: drained" in log and "every worker stopped" in log


def test_a_worker_that_dies_is_started_again_with_a_growing_back_off(start_server):
    srv = start_server("--app-dir", str(APP), "--workers", "2")
    assert wait_for(srv, "worker 2: route GET /pid")
    pattern = re.compile(r"worker \d \(pid \d+\) exited with status 7: starting it again in (\d\.\d) s")
    for expected in ["0.1"]:
        try:
            get(srv, "/crash")
        except (ConnectionError, EOFError, OSError):
            pass  # the process answering it died: no answer
        assert wait_for(srv, "exited with status 7")
    assert pattern.search(srv.stderr()).group(1) == expected
    # The other worker and the new one keep serving.
    assert get(srv, "/pid").status == 200
    assert wait_for(srv, "started (pid", 5)


def test_the_back_off_doubles_for_deaths_in_a_row(start_server):
    srv = start_server("--app-dir", str(APP), "--workers", "1", "--max-requests", "1000")
    assert wait_for(srv, "worker 1: route GET /pid")
    for _ in range(3):
        try:
            get(srv, "/crash")
        except (ConnectionError, EOFError, OSError):
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if get(srv, "/pid").status == 200:
                    break
            except (ConnectionError, EOFError, OSError):
                time.sleep(0.05)
    delays = re.findall(r"exited with status 7: starting it again in (\d\.\d) s", srv.stderr())
    assert delays == ["0.1", "0.2", "0.4"]


def test_a_drain_with_workers_answers_what_they_hold(start_server):
    srv = start_server("--app-dir", str(APP), "--workers", "2")
    assert wait_for(srv, "worker 2: route GET /pid")
    c = Client(srv)
    c.send(b"GET /pid?s=0.5 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.2)
    srv.signal(signal.SIGTERM)
    # New connections are refused at once (a proxy goes elsewhere), not left
    # in the listen backlog while the workers drain.
    assert wait_for(srv, "stopping the workers")
    time.sleep(0.1)
    try:
        late = Client(srv)
        late.send(b"GET /pid HTTP/1.1\r\nHost: t\r\n\r\n")
        refused = late.closed_by_server(timeout=0.3)
    except ConnectionRefusedError:
        refused = True
    assert refused
    assert c.response().status == 200
    assert srv.wait() == 0
    assert "1 answered" in srv.stderr()


def test_max_requests_replaces_a_worker_gracefully(start_server):
    srv = start_server("--app-dir", str(APP), "--max-requests", "4")
    assert wait_for(srv, "worker 1: route GET /pid")
    pids = []
    for _ in range(10):
        deadline = time.monotonic() + 10
        while True:
            try:
                pids.append(get(srv, "/pid").json()["pid"])
                break
            except (ConnectionError, EOFError, OSError):
                assert time.monotonic() < deadline
                time.sleep(0.05)
    assert pids[:4] == [pids[0]] * 4 and pids[4] != pids[0]
    assert "served 4 requests (--max-requests): stopping to be replaced" in srv.stderr()
    assert "finished (--max-requests or --reload): starting another" in srv.stderr()


def test_reload_restarts_the_worker_when_a_py_file_changes(start_server, tmp_path):
    app = tmp_path / "live.py"
    app.write_text("from snasio import route\n@route('/v')\ndef v(request):\n    return 'one'\n")
    srv = start_server("--app-dir", str(tmp_path), "--reload")
    assert wait_for(srv, "for development only")
    assert wait_for(srv, "worker 1: route GET /v")
    assert get(srv, "/v").body == b"one"
    app.write_text("from snasio import route\n@route('/v')\ndef v(request):\n    return 'two'\n")
    assert wait_for(srv, "--reload: a .py file changed")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if get(srv, "/v").body == b"two":
                break
        except (ConnectionError, EOFError, OSError):
            pass
        time.sleep(0.1)
    assert get(srv, "/v").body == b"two"


def test_under_reload_a_broken_app_is_a_500_that_names_the_error_until_it_is_fixed(start_server, tmp_path):
    app = tmp_path / "views.py"
    app.write_text("from snasio import route\n@route('/v')\ndef v(request)\n    return 'one'\n")  # no colon
    srv = start_server("--app-dir", str(tmp_path), "--reload")
    assert wait_for(srv, "--reload: answering 500 until a .py file changes")
    r = get(srv, "/v")
    assert r.status == 500
    assert r.json()["error"] == ("the app cannot be imported: cannot import module 'views': SyntaxError: "
                                 f"expected ':' (at \"{app}\", line 3)")
    assert get(srv, "/health").status == 200  # the native routes serve on
    time.sleep(2)  # several of the supervisor's looks at the files: the traceback is not repeated
    assert srv.stderr().count("Traceback") == 1 and srv.stderr().count("worker 1 started") == 1
    app.write_text("from snasio import route\n@route('/v')\ndef v(request)\n    return 'two'\n")  # still broken
    assert wait_for(srv, "--reload: a .py file changed")
    deadline = time.monotonic() + 10
    while srv.stderr().count("Traceback") < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert srv.stderr().count("Traceback") == 2  # once per change
    app.write_text("from snasio import route\n@route('/v')\ndef v(request):\n    return 'fixed'\n")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if get(srv, "/v").body == b"fixed":
                break
        except (ConnectionError, EOFError, OSError):
            pass
        time.sleep(0.1)
    assert get(srv, "/v").body == b"fixed"


def test_workers_that_cannot_start_stop_the_supervisor(tmp_path):
    (tmp_path / "broken.py").write_text("raise RuntimeError('cannot import this app')\n")
    run = subprocess.run([str(SERVE), "--port", "0", "--app-dir", str(tmp_path), "--workers", "2"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "cannot import this app" in run.stderr and "could not start: stopping" in run.stderr


def test_workers_auto_is_one_per_cpu(start_server):
    import os
    srv = start_server("--app-dir", str(APP), "--workers", "auto")
    assert wait_for(srv, f"worker {os.cpu_count()} started")
    assert f"worker {os.cpu_count() + 1} started" not in srv.stderr()
