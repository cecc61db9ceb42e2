"""What an operator sees: signals and the drain, the shutdown log, stdout,
HTTP details found wrong, and start-up and configuration errors. Every test
runs the real snasio-serve."""

import os
import pathlib
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import BUILD_DIR, ROOT, SERVE, Client, Server

APPS = pathlib.Path(__file__).resolve().parent / "apps" / "operator"
APP = APPS / "main"


def wait_exit(srv, timeout):
    """The exit code, and how long the process took to exit."""
    began = time.monotonic()
    code = srv.proc.wait(timeout=timeout)
    return code, time.monotonic() - began


def descendants(pid):
    """Every live process below pid."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    text = f.read()
            except OSError:
                continue
            if int(text[text.rindex(")") + 2:].split()[1]) == parent:
                found.append(int(entry))
                todo.append(int(entry))
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def get(srv, path, headers=b"Host: t\r\n"):
    c = Client(srv)
    c.send(b"GET " + path.encode() + b" HTTP/1.1\r\n" + headers + b"\r\n")
    r = c.response()
    c.close()
    return r


# -- signals and the drain ---------------------------------------------------------

def test_a_signal_delivered_twice_within_moments_is_one_graceful_stop(start_server):
    srv = start_server("--app-dir", str(APP))
    c = Client(srv)
    c.send(b"GET /sleep-async?s=0.5 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.2)
    srv.signal(signal.SIGINT)
    time.sleep(0.02)
    srv.signal(signal.SIGINT)
    r = c.response()
    assert r.status == 200 and r.json() == {"slept": True}
    code, _ = wait_exit(srv, 10)
    assert code == 0
    log = srv.stderr()
    assert "received SIGINT" in log and "second signal" not in log


def test_a_second_separate_signal_exits_at_once_and_says_so(start_server):
    srv = start_server("--app-dir", str(APP), "--drain-timeout", "30")
    c = Client(srv)
    c.send(b"GET /sleep-async?s=20 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.2)
    srv.signal(signal.SIGINT)
    time.sleep(1.5)
    assert srv.proc.poll() is None  # still draining
    srv.signal(signal.SIGINT)
    code, took = wait_exit(srv, 5)
    assert code != 0 and took < 1.0
    assert "second signal (SIGINT): exiting now" in srv.stderr()


def test_ctrl_c_through_a_wrapper_that_forwards_signals_drains(tmp_path):
    """A terminal's Ctrl-C reaches the whole process group, and a wrapper such
    as `just` forwards what it got: the server gets SIGINT twice at once."""
    wrapper = tmp_path / "forward.py"
    wrapper.write_text(
        "import signal, subprocess, sys\n"
        "child = subprocess.Popen(sys.argv[1:])\n"
        "for s in (signal.SIGINT, signal.SIGTERM):\n"
        "    signal.signal(s, lambda n, f: child.send_signal(n))\n"
        "sys.exit(child.wait())\n")
    proc = subprocess.Popen([sys.executable, str(wrapper), str(SERVE), "--port", "0", "--app-dir", str(APP)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        line = proc.stdout.readline().decode()
        assert line.startswith("snasio listening on http://"), line
        host, port = line.strip().rsplit("/", 1)[1].rsplit(":", 1)
        sock = socket.create_connection((host, int(port)), timeout=10)
        sock.sendall(b"GET /sleep-async?s=0.5 HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)  # the terminal's Ctrl-C
        answer = b""
        while b"slept" not in answer:
            data = sock.recv(4096)
            assert data, answer
            answer += data
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert proc.wait(timeout=10) == 0
        assert b"second signal" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_ctrl_c_under_just_serve_drains():
    just = shutil.which("just")
    assert just, "just is needed for the project's own recipes (npm install -g rust-just)"
    proc = subprocess.Popen([just, "--justfile", str(ROOT / "justfile"), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "SNASIO_BUILD_DIR": str(BUILD_DIR)})
    try:
        while not (line := proc.stdout.readline().decode()).startswith("snasio listening"):
            assert line, proc.stderr.read().decode()[-2000:]
        host, port = line.strip().rsplit("/", 1)[1].rsplit(":", 1)
        sock = socket.create_connection((host, int(port)), timeout=10)
        sock.sendall(b"GET /sleep?s=0.5 HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200 "), answer
        proc.wait(timeout=15)
        log = proc.stderr.read().decode()
        assert "received SIGINT" in log and "stopped in" in log and "second signal" not in log, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_pipelined_requests_behind_a_busy_handler_are_all_answered_in_order(start_server):
    srv = start_server("--app-dir", str(APP))
    c = Client(srv)
    c.send(b"GET /stuck-sync?s=0.5 HTTP/1.1\r\nHost: t\r\n\r\n"
           b"GET /quick/1 HTTP/1.1\r\nHost: t\r\n\r\n"
           b"GET /quick/2 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.2)
    srv.signal(signal.SIGTERM)
    first, second, third = c.response(), c.response(), c.response()
    assert first.json() == {"slept": True} and "connection" not in first.headers
    assert second.json() == {"n": 1} and "connection" not in second.headers
    assert third.json() == {"n": 2} and third.headers["connection"] == "close"
    assert c.closed_by_server()
    assert wait_exit(srv, 10)[0] == 0


@pytest.mark.parametrize("path", ["/sleep-async?s=30", "/sleep-blocking?s=3", "/sleep-pool?s=3",
                                  "/sleep-pool-async?s=3", "/stuck-sync?s=3"])
def test_at_the_drain_deadline_running_requests_get_a_complete_503(start_server, path):
    srv = start_server("--app-dir", str(APP), "--drain-timeout", "0.5", "--pool-workers", "1")
    c = Client(srv)
    c.send(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    time.sleep(0.3)
    srv.signal(signal.SIGTERM)
    r = c.response()
    assert r.status == 503
    assert r.headers["connection"] == "close" and r.headers["retry-after"] == "1"
    assert r.json() == {"error": "server is shutting down"}
    assert c.closed_by_server()
    code, _ = wait_exit(srv, 10)
    assert code == 0
    assert "1 cancelled with 503" in srv.stderr()


@pytest.mark.parametrize("path", ["/sleep-blocking?s=60", "/stuck-sync?s=60", "/sleep-pool?s=60"])
def test_exit_within_the_drain_timeout_and_a_second_when_python_will_not_finish(start_server, path):
    srv = start_server("--app-dir", str(APP), "--drain-timeout", "1", "--pool-workers", "1")
    c = Client(srv)
    c.send(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    time.sleep(0.5)
    below = descendants(srv.proc.pid)
    srv.signal(signal.SIGTERM)
    assert c.response().status == 503
    code, took = wait_exit(srv, 10)
    assert code == 0
    assert took < 1 + 1.5, f"exit took {took:.2f} s"
    log = srv.stderr()
    name = {"/sleep-blocking": "sleep_blocking", "/stuck-sync": "stuck_sync", "/sleep-pool": "sleep_pool"}
    assert "exiting without finalizing the interpreter" in log
    assert "operator_app." + name[path.split("?")[0]] in log
    time.sleep(0.3)
    assert not [p for p in below if alive(p)], "a child outlived the server"


def test_the_log_tells_the_story_of_a_drain(start_server):
    srv = start_server("--app-dir", str(APP), "--drain-timeout", "1")
    busy, slow, idle = Client(srv), Client(srv), Client(srv)
    busy.send(b"GET /sleep-async?s=0.3 HTTP/1.1\r\nHost: t\r\n\r\n")
    slow.send(b"GET /sleep-async?s=30 HTTP/1.1\r\nHost: t\r\n\r\n")
    idle.send(b"GET /quick/3 HTTP/1.1\r\nHost: t\r\n\r\n")
    assert idle.response().status == 200
    time.sleep(0.1)
    srv.signal(signal.SIGTERM)
    assert busy.response().status == 200
    assert slow.response().status == 503
    assert wait_exit(srv, 10)[0] == 0
    log = srv.stderr()
    assert "received SIGTERM: stopping" in log
    assert "draining 3 connection(s) with 2 request(s) in flight" in log
    assert "1 answered, 1 cancelled with 503, 0 abandoned" in log
    assert "drained in 1." in log and "stopped in" in log


def test_a_client_that_leaves_during_the_drain_is_counted_as_abandoned(start_server):
    srv = start_server("--app-dir", str(APP), "--drain-timeout", "2")
    c = Client(srv)
    c.send(b"GET /sleep-async?s=30 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.2)
    srv.signal(signal.SIGTERM)
    time.sleep(0.2)
    c.close()
    code, took = wait_exit(srv, 10)
    assert code == 0 and took < 2
    assert "0 answered, 0 cancelled with 503, 1 abandoned" in srv.stderr()


def test_the_embedding_api_stops_with_the_same_sequence():
    binary = BUILD_DIR / "examples" / "embed" / "snasio-embed-example"
    srv = Server([], binary=binary)
    try:
        c = Client(srv)
        c.send(b"POST /native/stop HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        assert c.response().status == 202
        assert c.closed_by_server()
        assert wait_exit(srv, 10)[0] == 0
        assert "stopped in" in srv.stderr()
    finally:
        srv.stop()


# -- output ------------------------------------------------------------------------

def test_print_in_a_handler_reaches_a_piped_stdout_at_once(start_server):
    srv = start_server("--app-dir", str(APP))
    assert get(srv, "/print/marker-1234").status == 200
    ready, _, _ = select.select([srv.proc.stdout], [], [], 2.0)
    assert ready, "print() output did not arrive while the server runs"
    assert srv.proc.stdout.readline() == b"marker-1234\n"


def test_a_write_to_a_broken_pipe_is_an_error_for_python_not_the_end_of_the_server(start_server):
    # Pool workers stopped at shutdown leave such pipes behind; so can any handler.
    srv = start_server("--app-dir", str(APP))
    assert get(srv, "/broken-pipe").json() == {"error": "EPIPE"}
    assert get(srv, "/quick/1").json() == {"n": 1}


def test_requests_refused_for_a_full_queue_are_logged_once_a_second(start_server):
    # One sync thread: when its handler blocks, none can take the queue over.
    srv = start_server("--app-dir", str(APP), "--queue-depth", "1", "--blocking-threads", "1")
    busy = Client(srv)
    busy.send(b"GET /stuck-sync?s=1.5 HTTP/1.1\r\nHost: t\r\n\r\n")
    time.sleep(0.2)
    clients = [Client(srv) for _ in range(30)]
    for c in clients:
        c.send(b"GET /quick/1 HTTP/1.1\r\nHost: t\r\n\r\n")
    statuses = [c.response().status for c in clients]
    assert statuses.count(503) == 29  # one waits in the queue; the rest are refused
    assert busy.response().status == 200
    time.sleep(1.1)
    assert get(srv, "/quick/1").status == 200
    lines = [l for l in srv.stderr().splitlines() if "queue is full" in l]
    assert 1 <= len(lines) <= 2, lines
    assert "(--queue-depth)" in lines[0]
    assert "every sync thread (--blocking-threads 1) is in a handler that has not returned" in srv.stderr()


# -- HTTP details ---------------------------------------------------------------------

def test_http11_without_host_or_with_two_hosts_is_400(start_server):
    srv = start_server()
    r = get(srv, "/health", headers=b"")
    assert r.status == 400 and "Host" in r.json()["error"]
    r = get(srv, "/health", headers=b"Host: a\r\nHost: b\r\n")
    assert r.status == 400 and "Host" in r.json()["error"]
    c = Client(srv)
    c.send(b"GET /health HTTP/1.0\r\n\r\n")
    assert c.response().status == 200


def test_an_absolute_form_target_is_served_as_its_path(start_server):
    srv = start_server("--app-dir", str(APP))
    c = Client(srv)
    c.send(b"GET http://example.com/quick/7?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
    r = c.response()
    assert r.status == 200 and r.json() == {"n": 7}


def test_the_http2_preface_is_told_http2_is_not_supported(start_server):
    srv = start_server()
    c = Client(srv)
    c.send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    r = c.response()
    assert r.status == 505
    assert "HTTP/2" in r.json()["error"] and "Pause" not in r.json()["error"]


def test_an_http_error_with_a_status_that_is_not_an_error_is_a_500_that_says_why(start_server):
    srv = start_server("--app-dir", str(APP))
    assert get(srv, "/http-error/200").status == 500
    assert get(srv, "/http-error/418").status == 418
    line = next(l for l in srv.stderr().splitlines() if "unusable HTTPError" in l)
    assert line.endswith("the status of an HTTPError must be an error status, 400-599"), line


# -- start-up and configuration ----------------------------------------------------------

def run_serve(*args, env=None, timeout=20):
    """snasio-serve that is expected to stop by itself: (exit code, stderr)."""
    p = subprocess.run([str(SERVE), *args], capture_output=True, text=True, timeout=timeout, env=env)
    return p.returncode, p.stderr


def test_flag_equals_value_is_flag_value(start_server):
    srv = start_server("--app-dir=" + str(APP), "--max-body-bytes=10")
    c = Client(srv)
    c.send(b"POST /quick/1 HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n")
    assert c.response().status == 413


def help_flags():
    """Every flag --help lists, with its placeholder (None for a switch)."""
    code = subprocess.run([str(SERVE), "--help"], capture_output=True, text=True, timeout=20)
    assert code.returncode == 0
    flags = {}
    for line in code.stdout.splitlines():
        words = line.split()
        if words and words[0].startswith("--") and words[0] not in ("--print-config", "--help"):
            flags[words[0]] = words[1] if len(words) > 1 and words[1].isupper() else None
    return flags


def test_help_lists_every_setting_with_the_default_print_config_shows():
    flags = help_flags()
    assert len(flags) >= 25 and "--max-body-bytes" in flags and flags["--access-log"] is None
    out = subprocess.run([str(SERVE), "--print-config"], capture_output=True, text=True, timeout=20).stdout
    names = {line.split()[0] for line in out.splitlines()[1:]}
    assert names == {f[2:].replace("-", "_") for f in flags}


# What each kind of placeholder refuses; every flag of that kind is tried with each.
BAD_VALUES = {
    "N": ["", "x", "-1", "1x", "1.5", "99999999999999999999999"],
    "S": ["", "x", "-1", "1s", "nan", "inf"],
    "P": ["", "x", "-1", "65536"],
    "MODE": ["", "8", "1000", "rw"],
    "LEVEL": ["", "verbose", "INFO "],
    "F": ["", "xml"],
    "FORMAT": ["", "UUID", "long"],
    "PREFIX=DIR": ["", "public", "/p=", "=dir", "p=dir", "/p=dir|bogus=1", "/p=dir|index=maybe"],
    "RATE[/BURST]": ["", "x", "0", "-1", "5/0", "5/x", "nan", "inf"],
    "RE": ["(unclosed", "a{2,1}"],
    "IPS": ["10.0.0.1/33", "nonsense", "1.2.3.4,,300.1.1.1"],
    None: ["", "maybe", "2"],
}


def bad_value_cases():
    for flag, placeholder in help_flags().items():
        for value in BAD_VALUES.get(placeholder, []):
            if flag == "--workers" and value == "x":
                continue  # not a number, but neither is auto: covered below
            yield flag, value


@pytest.mark.parametrize("flag, value", list(bad_value_cases()))
def test_every_flag_refuses_a_bad_value_naming_the_flag(flag, value):
    code, err = run_serve(f"{flag}={value}")
    assert code == 2, err
    assert flag in err and "(see --help)" in err, err


def test_workers_takes_auto_or_a_count_of_at_least_one():
    assert run_serve("--workers", "many") == (2, "snasio-serve: invalid value 'many' for --workers (see --help)\n")
    assert run_serve("--workers", "0")[1].startswith("snasio-serve: --workers must be at least 1")
    assert run_serve("--queue-depth", "0")[1].startswith("snasio-serve: --queue-depth must be at least 1")
    # Past this the recursive parsers and writers could run out of stack on a deep body.
    assert run_serve("--max-json-depth", "1001")[1].startswith("snasio-serve: --max-json-depth must be at most 1000")


@pytest.mark.parametrize("flag", ["--port", "--app-dir", "--max-body-bytes", "--header-timeout"])
def test_a_flag_at_the_end_without_its_value_says_so(flag):
    assert run_serve(flag) == (2, f"snasio-serve: missing value for {flag} (see --help)\n")


@pytest.mark.parametrize("args", [["--bogus"], ["--bogus", "1"], ["--bogus=1"]])
def test_an_unknown_flag_is_an_unknown_option_with_or_without_a_value(args):
    code, err = run_serve(*args)
    assert code == 2 and "unknown option --bogus" in err


def test_timeouts_take_fractions_of_a_second(start_server):
    srv = start_server("--header-timeout", "0.5")
    c = Client(srv)
    c.send(b"GET /health HTTP/1.1\r\n")
    began = time.monotonic()
    r = c.response()
    assert r.status == 408 and 0.3 < time.monotonic() - began < 2.0


@pytest.mark.parametrize("flag", ["--header-timeout", "--body-timeout", "--keepalive-timeout", "--write-timeout"])
def test_a_timeout_of_zero_is_refused_where_it_would_break_every_request(flag):
    code, err = run_serve(flag, "0")
    assert code == 2 and f"{flag} must be more than 0" in err


@pytest.mark.parametrize("host, url_host", [("localhost", None), ("[::1]", "[::1]"), ("::1", "[::1]")])
def test_hosts_by_name_and_in_brackets_work(start_server, host, url_host):
    if url_host == "[::1]" and not socket.has_ipv6:
        pytest.fail("IPv6 is needed on loopback")
    srv = start_server("--host", host)
    if url_host:
        assert srv.url.startswith("http://" + url_host)
    assert get(srv, "/health").status == 200


def test_a_bad_host_or_a_port_in_use_is_reported_before_the_app_is_imported(tmp_path):
    mark = tmp_path / "imported"
    env = {**os.environ, "SNASIO_TEST_IMPORT_MARK": str(mark)}
    code, err = run_serve("--host", "no-such-host.invalid", "--app-dir", str(APP), env=env)
    assert code == 1 and "--host 'no-such-host.invalid'" in err and not mark.exists()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code, err = run_serve("--port", port, "--app-dir", str(APP), env=env)
    assert code == 1 and f"cannot bind --host 127.0.0.1 --port {port}" in err and not mark.exists()


def test_an_app_dir_that_is_a_file_is_not_a_directory(tmp_path):
    f = tmp_path / "app.py"
    f.write_text("")
    code, err = run_serve("--app-dir", str(f))
    assert code == 1 and f"--app-dir {f} is not a directory" in err


def test_no_app_is_a_warning_that_only_native_routes_are_served(start_server):
    srv = start_server()
    assert get(srv, "/health").status == 200
    assert "no --app-dir or --module given: serving the native routes only" in srv.stderr()


def test_an_empty_app_dir_says_no_route_was_found_and_why(start_server, tmp_path):
    srv = start_server("--app-dir", str(tmp_path))
    assert (f"no route was found: --app-dir {tmp_path} has no .py file at its top level: "
            "serving the native routes only") in srv.stderr()


def test_an_app_in_a_package_is_told_to_name_its_modules(start_server, tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "views.py").write_text("from snasio import route\n@route('/v')\ndef v(request):\n    return 'v'\n")
    srv = start_server("--app-dir", str(tmp_path))
    assert (f"no route was found: --app-dir {tmp_path} has no .py file at its top level; it has the package(s) "
            "pkg/: name their modules with --module pkg.MODULE") in srv.stderr()
    named = start_server("--app-dir", str(tmp_path), "--module", "pkg.views")
    assert get(named, "/v").body == b"v" and "no route was found" not in named.stderr()


def test_modules_that_register_no_route_are_named_in_the_warning(start_server, tmp_path):
    (tmp_path / "helpers.py").write_text("X = 1\n")
    srv = start_server("--app-dir", str(tmp_path))
    assert "no route was found: no module registered a route with @route (imported: helpers)" in srv.stderr()


def test_an_app_route_on_health_is_told_health_is_built_in():
    code, err = run_serve("--app-dir", str(APPS / "health_clash"))
    assert code == 1
    assert "route /health of health_clash.my_health is already served by a native route" in err
    assert "/health is built in" in err


def test_a_duplicate_route_names_both_handlers():
    code, err = run_serve("--app-dir", str(APPS / "duplicate"))
    assert code == 1
    assert "route /twice of duplicate_routes.second is already served by duplicate_routes.first" in err


def test_a_relative_venv_becomes_absolute(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    app = tmp_path / "app"
    app.mkdir()
    (app / "which.py").write_text(
        "import sys\nfrom snasio import route\n\n@route('/exe')\ndef exe(request):\n"
        "    return {'executable': sys.executable}\n")
    srv = Server(["--venv", "venv", "--app-dir", "app"], cwd=tmp_path)
    try:
        r = get(srv, "/exe")
        assert r.json()["executable"] == str(venv / "bin" / "python3")
    finally:
        srv.stop()


def test_a_bad_virtual_env_is_reported_as_the_variable(tmp_path):
    env = {**os.environ, "VIRTUAL_ENV": str(tmp_path / "nowhere")}
    code, err = run_serve("--app-dir", str(APP), env=env)
    assert code == 1 and f"VIRTUAL_ENV={tmp_path / 'nowhere'} is not a virtual environment" in err
    assert "--venv" not in err


def test_just_serve_app_dir_is_taken_from_where_you_stand(tmp_path):
    just = shutil.which("just")
    assert just, "just is needed for the project's own recipes (npm install -g rust-just)"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "mine.py").write_text(
        "from snasio import route\n\n@route('/mine')\ndef mine(request):\n    return {'mine': True}\n")
    proc = subprocess.Popen([just, "--justfile", str(ROOT / "justfile"), "serve", "--port", "0",
                             "--app-dir", "mine"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        while not (line := proc.stdout.readline().decode()).startswith("snasio listening"):
            assert line, proc.stderr.read().decode()[-2000:]
        host, port = line.strip().rsplit("/", 1)[1].rsplit(":", 1)
        srv = type("S", (), {"connect": lambda self, t=10: socket.create_connection((host, int(port)), timeout=t)})()
        assert get(srv, "/mine").json() == {"mine": True}
        assert get(srv, "/hello").status == 404  # examples/app is not served as well
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def test_print_config_shows_the_middleware_as_set():
    out = subprocess.run([str(SERVE), "--print-config", "--cors-allow-origins", "https://a.example, https://b.example",
                          "--cors-allow-origin-regex", r"https://.*\.c\.example", "--cors-allow-methods", "GET,POST",
                          "--cors-allow-headers", "*", "--cors-expose-headers", "X-Total", "--cors-allow-credentials",
                          "--cors-max-age", "60", "--cors-allow-private-network", "--compress", "gzip,br",
                          "--compress-min-bytes", "0", "--compress-level", "9", "--compress-types", "text/*,application/json",
                          "--compress-event-streams", "--static", "/p=/tmp|index=false|symlinks=true|cache=no-store",
                          "--static", "/q=/var", "--rate-limit", "5/10", "--rate-limit-clients", "7",
                          "--request-timeout", "2.5", "--request-id-header=false", "--request-id-format", "uuid"],
                         capture_output=True, text=True, timeout=20).stdout
    shown = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:] if len(line.split()) >= 2}
    assert shown["cors_allow_origins"] == "https://a.example,https://b.example"
    assert shown["cors_allow_methods"] == "GET,POST" and shown["cors_allow_headers"] == "*"
    assert shown["cors_allow_credentials"] == shown["cors_allow_private_network"] == "true"
    assert shown["compress"] == "gzip,br" and shown["compress_level"] == "9" and shown["compress_min_bytes"] == "0"
    assert shown["compress_event_streams"] == "true"
    assert "/p=/tmp|index=false|symlinks=true|cache=no-store" in out and "/q=/var" in out
    assert shown["rate_limit"] == "5/10" and shown["rate_limit_clients"] == "7"
    assert shown["request_timeout"] == "2.5" and shown["request_id_header"] == "false"
    assert shown["request_id_format"] == "uuid"
    for one in (["--compress", "gzip"], ["--compress", "br"], ["--compress", "none"]):
        out = subprocess.run([str(SERVE), "--print-config", *one], capture_output=True, text=True, timeout=20).stdout
        assert re.search(r"^compress +" + one[1] + r" ", out, re.M), out
    assert run_serve("--compress", "zip")[0] == 2


@pytest.mark.parametrize("switch", ["true", "on", "yes", "1", "false", "off", "no", "0"])
def test_print_config_reads_every_spelling_of_a_switch(switch):
    out = subprocess.run([str(SERVE), "--print-config", f"--access-log={switch}", f"--reload={switch}",
                          f"--cors-allow-credentials={switch}", "--access-log-format",
                          "json" if switch in ("true", "1") else "text", "--log-level",
                          {"true": "debug", "on": "warning", "yes": "error"}.get(switch, "info")],
                         capture_output=True, text=True, timeout=20).stdout
    want = "true" if switch in ("true", "on", "yes", "1") else "false"
    assert re.search(rf"^access_log +{want} ", out, re.M) and re.search(rf"^reload +{want} ", out, re.M), out
    assert re.search(rf"^cors_allow_credentials +{want} ", out, re.M), out


def test_print_config_shows_the_command_lines_other_settings():
    out = subprocess.run([str(SERVE), "--print-config", "--uds", "/tmp/snasio-x.sock", "--uds-mode", "600",
                          "--forwarded-allow-ips", "10.0.0.0/8,unix", "--openapi-path", "", "--workers", "3"],
                         capture_output=True, text=True, timeout=20).stdout
    assert re.search(r"^uds_mode +600 ", out, re.M) and re.search(r"^uds +/tmp/snasio-x.sock ", out, re.M), out
    assert re.search(r"^workers +3 ", out, re.M) and "10.0.0.0/8" in out, out
