"""`just bench`: snasio against its peers, interleaved, in one run.

Every server runs at once on loopback: snasio-serve (bench/app), uvicorn
(uvloop + httptools, bench/uvicorn_app.py), uWSGI's python3 plugin
(bench/uwsgi_app.py), aiohttp (bench/aiohttp_app.py) and nginx answering the
same JSON with `return 200` (the ceiling of this set-up). Each round visits
every case once with wrk; after the rounds each figure is the median with
min-max, and each ratio is taken within a round, then the median of rounds.

Per case: requests/s, p50 and p99 latency, requests per CPU-second of the
server's whole process tree (utime + stime from /proc), and for snasio the
voluntary context switches per request of each of its threads. A snasio case
with a non-2xx answer or a socket error fails the run.

    /usr/bin/python3 bench/http_bench.py --build build-bench [--rounds 5] [--duration 3]
        [--pin] [--quick] [--write docs/benchmarks.md]
"""

import argparse
import contextlib
import datetime
import os
import pathlib
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import procstat  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYTHON = "/usr/bin/python3"
HELLO_BODY = '{"message":"Hello from Python"}'


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def start_process(argv, cpu=None):
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu), *argv]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _duration(text):
    """wrk's latency ('812.00us', '1.20ms', '1.01s') in microseconds."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]


def wrk(url, duration, connections, script=None, cpu=None, timeout=None, refused=False):
    """Runs wrk once; a non-2xx answer (with `refused`, a 2xx one) or a socket error raises."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    if timeout:
        argv += ["--timeout", f"{timeout}s"]
    if script:
        argv += ["-s", script]
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu), *argv]
    out = subprocess.run([*argv, url], check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    if refused and total and (not errors or int(errors.group(1)) != total):
        raise RuntimeError(f"{url}: {errors.group(1) if errors else 0} of {total} answers refused, not all")
    if errors and not refused:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses")
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        raise RuntimeError(f"{url}: socket errors: {socket_errors.group(1)}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": _duration(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _duration(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
    }


# -- the servers ------------------------------------------------------------

NGINX_CONF = """worker_processes 1;
daemon off;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  sendfile on;
  types {{ application/json json; }}
  gzip_comp_level {level};
  gzip_min_length 512;
  gzip_types application/json;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location / {{ default_type application/json; return 200 '{body}'; }}
    # The middleware's peers: a CORS preflight answered by the server, a
    # static file, the same file gzipped (at the level snasio's bench uses),
    # after looking for a .gz beside it first, as a snasio mount does.
    location /cors/ {{
      if ($request_method = OPTIONS) {{
        add_header Access-Control-Allow-Origin $http_origin;
        add_header Access-Control-Allow-Methods "GET, POST";
        add_header Access-Control-Max-Age 600;
        add_header Vary Origin;
        return 204;
      }}
      return 200 'x';
    }}
    location /static/ {{ alias {dir}/static/; gzip on; gzip_static on; }}
  }}
}}
"""
# The gzip level of the middleware cases, for snasio and nginx alike.
GZIP_LEVEL = 6


def start_servers(build, scratch, cpu, workers_cases, baseline=None):
    """{name: (port, process)} for every server of the run."""
    servers = {}
    app = str(ROOT / "bench" / "app")
    serve = str(build / "src" / "snasio-serve")

    def add(name, argv_for_port, cpu_for=cpu):
        port = free_port()
        proc = start_process(argv_for_port(port), cpu_for)
        wait_ready(port, proc)
        servers[name] = (port, proc)

    add("snasio", lambda p: [serve, "--port", str(p), "--app-dir", app])
    # The same app with CORS, compression and a static mount configured.
    add("snasio mw", lambda p: [serve, "--port", str(p), "--app-dir", app, "--cors-allow-origins",
                                "https://bench.example", "--cors-allow-methods", "GET,POST", "--compress", "gzip",
                                "--compress-level", str(GZIP_LEVEL), "--static", f"/static={scratch}/static"])
    # The access log costs formatting and a buffered write each second; its lines go to /dev/null.
    add("snasio log", lambda p: [serve, "--port", str(p), "--app-dir", app, "--access-log"])
    for n in workers_cases:
        add(f"snasio x{n}", lambda p, n=n: [serve, "--port", str(p), "--app-dir", app, "--workers", str(n)], None)
    if baseline:  # an earlier build, the same app: what a change cost
        name, binary = baseline
        add(f"snasio {name}", lambda p: [binary, "--port", str(p), "--app-dir", app, "--module", "bench_endpoints"])
    add("uvicorn", lambda p: [PYTHON, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "uvicorn_app:app",
                              "--port", str(p), "--loop", "uvloop", "--http", "httptools",
                              "--no-access-log", "--log-level", "warning"])
    # --http11-socket: the HTTP socket with keep-alive (--http-socket closes after each response).
    add("uwsgi", lambda p: ["uwsgi", "--plugin", "python3", "--http11-socket", f"127.0.0.1:{p}",
                            "--wsgi-file", str(ROOT / "bench" / "uwsgi_app.py"), "--processes", "1",
                            "--threads", "1", "--disable-logging", "--listen", "1024", "--master", "--die-on-term"])
    add("aiohttp", lambda p: [PYTHON, str(ROOT / "bench" / "aiohttp_app.py"), str(p)])

    def nginx(p):
        conf = scratch / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=scratch, port=p, body=HELLO_BODY, level=GZIP_LEVEL))
        return ["nginx", "-c", str(conf), "-p", str(scratch)]
    add("nginx", nginx)
    return servers


def stop_servers(servers):
    for _, proc in servers.values():
        proc.terminate()
    for _, proc in servers.values():
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


# -- the cases ----------------------------------------------------------------

def echo_body():
    """The JSON echo's body, about 1 KB."""
    items = ",".join(f'{{"id":{i},"name":"item {i}","tags":["a","b"],"price":{i}.5}}' for i in range(18))
    return f'{{"items":[{items}],"total":18}}'


def echo_script(scratch):
    """A wrk script that POSTs the JSON echo's body."""
    body = echo_body()
    path = scratch / "echo.lua"
    path.write_text('wrk.method = "POST"\n'
                    'wrk.headers["Content-Type"] = "application/json"\n'
                    f"wrk.body = '{body}'\n")
    return str(path), len(body)


def middleware_scripts(scratch):
    """The static file both servers send (the echo's body), and the wrk
    scripts of a CORS preflight and of a client that takes gzip."""
    (scratch / "static").mkdir(exist_ok=True)
    os.chmod(scratch, 0o755)  # nginx's workers (nobody) read it too
    (scratch / "static" / "echo.json").write_text(echo_body())
    preflight, gzip = scratch / "preflight.lua", scratch / "gzip.lua"
    preflight.write_text('wrk.method = "OPTIONS"\n'
                         'wrk.headers["Origin"] = "https://bench.example"\n'
                         'wrk.headers["Access-Control-Request-Method"] = "POST"\n')
    gzip.write_text('wrk.headers["Accept-Encoding"] = "gzip"\n')
    # 16 requests per write, each connection keeping 16 in flight: pipelining.
    pipeline = scratch / "pipeline.lua"
    pipeline.write_text('init = function(args)\n'
                        '  local r = {}\n'
                        '  for i = 1, 16 do r[i] = wrk.format(nil, nil) end\n'
                        '  req = table.concat(r)\n'
                        'end\n'
                        'request = function() return req end\n')
    return {"preflight": str(preflight), "gzip": str(gzip), "pipeline": str(pipeline)}


# The sleepers of the cases "... while 8 handlers sleep": plain def handlers
# that wait a second each with the GIL released, kept running on the server.
SLEEPERS = 8
SLEEPING = " while 8 handlers sleep"


class sleepers:
    """While in effect, SLEEPERS clients keep a /sleep-sync request running each."""

    def __init__(self, port):
        self.url = f"http://127.0.0.1:{port}/sleep-sync"
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(SLEEPERS)]

    def run(self):
        while not self.stopping.is_set():
            with urllib.request.urlopen(self.url, timeout=30) as r:
                r.read()

    def __enter__(self):
        for t in self.threads:
            t.start()
        time.sleep(0.3)  # every sleeper's request is in its handler
        return self

    def __exit__(self, *_):
        self.stopping.set()


# Typed handlers (bench/app): a path int and a query str checked on the
# reactor; the same route refused 422 there; the echo's body as a dataclass.
TYPED_USER = "snasio typed /users/{user_id}"
TYPED_REFUSED = "snasio typed, refused 422"
TYPED_ECHO = "snasio typed dataclass echo"
# The sync hello on a server with CORS and compression configured, by a
# client that asks for neither (no Origin, no Accept-Encoding).
MW_UNASKED = "snasio sync hello, CORS and compression on, unasked"


def cases(quick, workers_cases, baseline=None):
    """(label, server, path, connections, script key)."""
    # A case compared with another runs right after it in each round, so
    # that a change in the machine's load between the two moves the ratio
    # least: the native route beside nginx, the middleware beside the route
    # without it and beside nginx.
    out = [
        ("snasio native /health", "snasio", "/health", 64, None),
        ("nginx return 200", "nginx", "/hello", 64, None),
        ("snasio sync hello", "snasio", "/hello", 64, None),
        (MW_UNASKED, "snasio mw", "/hello", 64, None),
        ("snasio /users/<int:id>", "snasio", "/users/42", 64, None),
        (TYPED_USER, "snasio", "/typed-users/42?q=ada", 64, None),
        (TYPED_REFUSED, "snasio", "/typed-users/x", 64, None),
        ("snasio JSON echo", "snasio", "/echo", 64, "echo"),
        (TYPED_ECHO, "snasio", "/typed/echo", 64, "echo"),
        ("snasio async, no await", "snasio", "/async-noawait", 64, None),
        ("snasio async sleep(0)", "snasio", "/async", 64, None),
        ("snasio sync hello" + SLEEPING, "snasio", "/hello", 64, None),
        ("snasio async, no await" + SLEEPING, "snasio", "/async-noawait", 64, None),
        ("snasio sync hello, access log", "snasio log", "/hello", 64, None),
        *([(f"snasio sync hello, {baseline}", f"snasio {baseline}", "/hello", 64, None)] if baseline else []),
        ("snasio CORS preflight", "snasio mw", "/cors/x", 64, "preflight"),
        ("nginx CORS preflight", "nginx", "/cors/x", 64, "preflight"),
        ("snasio static file", "snasio mw", "/static/echo.json", 64, None),
        ("nginx static file", "nginx", "/static/echo.json", 64, None),
        ("snasio static file, gzip", "snasio mw", "/static/echo.json", 64, "gzip"),
        ("nginx static file, gzip", "nginx", "/static/echo.json", 64, "gzip"),
        ("uvicorn sync hello", "uvicorn", "/hello", 64, None),
        ("uvicorn /users/<int:id>", "uvicorn", "/users/42", 64, None),
        ("uvicorn JSON echo", "uvicorn", "/echo", 64, "echo"),
        ("uvicorn async, no await", "uvicorn", "/async-noawait", 64, None),
        ("uvicorn async sleep(0)", "uvicorn", "/async", 64, None),
        ("uwsgi hello", "uwsgi", "/hello", 64, None),
        ("aiohttp hello", "aiohttp", "/hello", 64, None),
        ("snasio native /health, 16 pipelined", "snasio", "/health", 32, "pipeline"),
        ("snasio sync hello, 16 pipelined", "snasio", "/hello", 32, "pipeline"),
        ("nginx return 200, 16 pipelined", "nginx", "/hello", 32, "pipeline"),
    ]
    for n in workers_cases:
        out.append((f"snasio x{n} workers hello", f"snasio x{n}", "/hello", 64, None))
    if not quick:
        for c in (256, 1):
            out += [(f"snasio sync hello c{c}", "snasio", "/hello", c, None),
                    (f"uvicorn sync hello c{c}", "uvicorn", "/hello", c, None),
                    (f"nginx return 200 c{c}", "nginx", "/hello", c, None)]
    return out


def measure(servers, case, duration, scripts, wrk_cpu):
    label, server, path, connections, script = case
    port, proc = servers[server]
    with sleepers(port) if label.endswith(SLEEPING) else contextlib.nullcontext():
        before = procstat.sample(proc.pid)
        try:
            r = wrk(f"http://127.0.0.1:{port}{path}", duration, connections, scripts.get(script), wrk_cpu,
                    refused=label == TYPED_REFUSED)
        except RuntimeError:
            if server.startswith("snasio"):
                raise
            return None  # a peer's errors are reported as a missing figure
        after = procstat.sample(proc.pid)
    spent = procstat.delta(before, after, r["requests"])
    r["cpu_us"] = spent["cpu_us"]
    r["per_cpu_s"] = 1e6 / spent["cpu_us"] if spent["cpu_us"] else float("nan")
    r["vcsw"] = spent["vcsw"]
    r["threads"] = spent["threads"]
    return r


# -- the report ----------------------------------------------------------------

def spread(values, fmt):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def ratio(results, a, b, key, invert=False):
    """Per-round a/b (b/a when invert), as a list over the rounds."""
    out = []
    for ra, rb in zip(results.get(a, []), results.get(b, [])):
        if ra and rb and ra[key] and rb[key]:
            out.append(rb[key] / ra[key] if invert else ra[key] / rb[key])
    return out


# How much slower than an earlier build (--baseline) the sync hello route may
# measure and still count as not slower: the spread of the same binary
# against itself, in rounds of this length on this shared machine.
BASELINE_SLACK = 1.03
# The same for instructions, which drift far less: the spread of one binary
# over runs of bench/instructions.py.
BASELINE_INSTRUCTIONS = 1.01

TARGETS = [
    # (what, case a, case b, key, invert, bound, at least?)
    ("Python sync hello ≥ 0.9× nginx req/s", "snasio sync hello", "nginx return 200", "rps", False, 0.9, True),
    ("Python sync hello ≥ 1.75× uvicorn req/s", "snasio sync hello", "uvicorn sync hello", "rps", False, 1.75, True),
    ("Python sync hello ≥ 2.0× uvicorn req per CPU-s", "snasio sync hello", "uvicorn sync hello", "per_cpu_s", False,
     2.0, True),
    ("Python sync hello CPU per request ≤ 1.1× native's", "snasio sync hello", "snasio native /health", "cpu_us",
     False, 1.1, False),
    ("native /health ≥ 1.0× nginx req/s", "snasio native /health", "nginx return 200", "rps", False, 1.0, True),
    ("native /health ≥ 0.95× nginx req per CPU-s", "snasio native /health", "nginx return 200", "per_cpu_s", False,
     0.95, True),
    ("async sleep(0) ≥ 2.0× uvicorn", "snasio async sleep(0)", "uvicorn async sleep(0)", "rps", False, 2.0, True),
    ("async, no await ≥ 1.75× uvicorn", "snasio async, no await", "uvicorn async, no await", "rps", False, 1.75, True),
    ("async, no await: CPU per request ≤ 1.1× the sync hello's", "snasio async, no await", "snasio sync hello",
     "cpu_us", False, 1.1, False),
    ("async sleep(0): CPU per request ≤ 1.2× the sync hello's", "snasio async sleep(0)", "snasio sync hello",
     "cpu_us", False, 1.2, False),
    ("JSON echo ≥ 2.5× uvicorn", "snasio JSON echo", "uvicorn JSON echo", "rps", False, 2.5, True),
    ("typed /users/{user_id} CPU per request ≤ 1.1× untyped /users/<int:id>'s", TYPED_USER,
     "snasio /users/<int:id>", "cpu_us", False, 1.1, False),
    ("typed route's 422 ≥ 0.9× native /health req/s", TYPED_REFUSED, "snasio native /health", "rps", False, 0.9,
     True),
    ("dataclass echo CPU per request ≤ 1.15× untyped JSON echo's", TYPED_ECHO, "snasio JSON echo", "cpu_us", False,
     1.15, False),
    ("CORS preflight ≥ 0.9× nginx's req/s", "snasio CORS preflight", "nginx CORS preflight", "rps", False, 0.9, True),
    ("CORS preflight ≥ 0.9× nginx's req per CPU-s", "snasio CORS preflight", "nginx CORS preflight", "per_cpu_s",
     False, 0.9, True),
    ("static file ≥ 0.9× nginx's req/s", "snasio static file", "nginx static file", "rps", False, 0.9, True),
    ("static file ≥ 0.9× nginx's req per CPU-s", "snasio static file", "nginx static file", "per_cpu_s", False, 0.9,
     True),
    ("CORS and compression on, unasked: CPU per request ≤ 1.03× without", MW_UNASKED, "snasio sync hello", "cpu_us",
     False, 1.03, False),
    (f"gzip (level {GZIP_LEVEL}) of the echo body: CPU per request ≤ nginx's", "snasio static file, gzip",
     "nginx static file, gzip", "cpu_us", False, 1.0, False),
    ("p99 at 64 connections ≤ uvicorn's", "snasio sync hello", "uvicorn sync hello", "p99", False, 1.0, False),
    ("p50 at 1 connection ≤ uvicorn's", "snasio sync hello c1", "uvicorn sync hello c1", "p50", False, 1.0,
     False),
    ("sync hello" + SLEEPING + " ≥ 0.8× its req/s without", "snasio sync hello" + SLEEPING, "snasio sync hello",
     "rps", False, 0.8, True),
    ("async, no await" + SLEEPING + " ≥ 0.8× its req/s without", "snasio async, no await" + SLEEPING,
     "snasio async, no await", "rps", False, 0.8, True),
]

# (what, case, key, bound in µs): figures that must stay under a bound of their own.
ABSOLUTE_TARGETS = [
    ("sync hello" + SLEEPING + ": p99 ≤ 20 ms", "snasio sync hello" + SLEEPING, "p99", 20_000),
    ("async, no await" + SLEEPING + ": p99 ≤ 20 ms", "snasio async, no await" + SLEEPING, "p99", 20_000),
]


def baseline_targets(name):
    """The sync hello route measured against an earlier build: it must not have got slower."""
    a, b = "snasio sync hello", f"snasio sync hello, {name}"
    return [(f"Python sync hello CPU per request ≤ {BASELINE_SLACK:.2f}× {name}'s", a, b, "cpu_us", False,
             BASELINE_SLACK, False),
            (f"Python sync hello req/s ≥ {1 / BASELINE_SLACK:.2f}× {name}'s", a, b, "rps", False,
             round(1 / BASELINE_SLACK, 2), True)]


def instruction_counts(binaries, rounds=3):
    """{name: (reactor, GIL thread's jobs)}: user-space instructions per sync
    hello request under callgrind, the fewest of `rounds` interleaved runs.
    Valgrind runs one thread at a time, and now and then the threads' short
    waits for each other's work stall a run; its count per request then
    grows (more polling per request), so the fewest is the least disturbed."""
    import instructions
    counts = {name: [] for name, _ in binaries}
    for _ in range(rounds):
        for name, binary in binaries:
            # The same app for both builds: the earlier one has no typed handlers.
            requests, totals, spent = instructions.measure(binary, str(ROOT / "bench" / "app"), "/hello", 5, 16,
                                                           functions=instructions.JOB_PATHS,
                                                           modules=("bench_endpoints",))
            if requests < 1000:
                print(f"instructions: {name}: a stalled run ({requests} requests), left out", file=sys.stderr)
                continue
            counts[name].append((totals.get(1, 0) / requests, sum(spent.values()) / requests))
            print(f"instructions: {name}: {counts[name][-1][0]:,.0f} reactor, {counts[name][-1][1]:,.0f} jobs "
                  "per request", file=sys.stderr, flush=True)
    if not all(counts.values()):
        raise RuntimeError("callgrind: every run of a binary stalled")
    return {name: min(runs, key=sum) for name, runs in counts.items()}


def report(results, order, args, echo_bytes, workers_cases):
    lines = []
    add = lines.append
    add(f"wrk -t1 on loopback, {args.rounds} rounds × {args.duration} s per case, interleaved; "
        f"median (min–max). {'Server pinned to CPU 0, wrk to CPU 1. ' if args.pin else ''}"
        f"JSON echo body: {echo_bytes} bytes.")
    add("")
    add("| case | conns | req/s | p50 µs | p99 µs | CPU-µs/req | req per CPU-s |")
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, server, path, conns, _ in order:
        rs = results[label]
        col = lambda key, fmt: spread([r[key] if r else None for r in rs], fmt)  # noqa: E731
        add(f"| {label} | {conns} | {col('rps', '{:,.0f}')} | {col('p50', '{:,.0f}')} | {col('p99', '{:,.0f}')} | "
            f"{col('cpu_us', '{:.2f}')} | {col('per_cpu_s', '{:,.0f}')} |")
    add("")
    add("Voluntary context switches per request, all snasio threads together (and the busiest thread):")
    add("")
    add("| case | switches/req | busiest thread |")
    add("| --- | ---: | --- |")
    for label, server, path, conns, _ in order:
        if server != "snasio":
            continue
        rs = [r for r in results[label] if r]
        busiest = {}
        for r in rs:
            for name, (vol, _) in r["threads"].items():
                busiest.setdefault(re.sub(r" \(\d+\)$", "", name), []).append(vol)
        top = max(busiest.items(), key=lambda kv: statistics.median(kv[1]), default=("–", [0]))
        add(f"| {label} | {spread([r['vcsw'] for r in rs], '{:.3f}')} | {top[0]} "
            f"{statistics.median(top[1]):.3f} |")
    add("")
    add("| target | measured (median of per-round ratios, min–max) | holds |")
    add("| --- | ---: | :---: |")
    verdicts = []
    baseline = args.baseline[0] if args.baseline else None
    for what, a, b, key, invert, bound, at_least in TARGETS + (baseline_targets(baseline) if baseline else []):
        if a not in results or b not in results:
            continue
        values = ratio(results, a, b, key, invert)
        if not values:
            add(f"| {what} | – | – |")
            continue
        med = statistics.median(values)
        holds = med >= bound if at_least else med <= bound
        verdicts.append(holds)
        add(f"| {what} | {spread(values, '{:.2f}×')} | {'yes' if holds else '**no**'} |")
    for what, case, key, bound in ABSOLUTE_TARGETS:
        values = [r[key] for r in results.get(case, []) if r]
        if values:
            holds = statistics.median(values) <= bound
            verdicts.append(holds)
            add(f"| {what} | {spread(values, '{:,.0f} µs')} | {'yes' if holds else '**no**'} |")
    vc = results.get("snasio sync hello")
    if vc:
        values = [r["vcsw"] for r in vc if r]
        holds = statistics.median(values) <= 0.05
        verdicts.append(holds)
        add(f"| context switches ≤ 0.05 per Python request (64 connections) | {spread(values, '{:.3f}')} | "
            f"{'yes' if holds else '**no**'} |")
    for n in workers_cases:
        values = ratio(results, f"snasio x{n} workers hello", "snasio sync hello", "rps")
        if values:
            add(f"| {n} workers against 1, sync hello req/s (for information) | {spread(values, '{:.2f}×')} | |")
    values = ratio(results, "snasio sync hello, access log", "snasio sync hello", "cpu_us")
    if values:
        add(f"| access log on against off, CPU per request (for information) | {spread(values, '{:.2f}×')} | |")
    if baseline and args.instructions:
        now, before = args.instructions["today"], args.instructions[baseline]
        holds = sum(now) <= BASELINE_INSTRUCTIONS * sum(before)
        verdicts.append(holds)
        add(f"| Python sync hello instructions per request ≤ {BASELINE_INSTRUCTIONS:.2f}× {baseline}'s | "
            f"{sum(now) / sum(before):.3f}× | {'yes' if holds else '**no**'} |")
        add("")
        add(f"User-space instructions per sync hello request under callgrind (bench/instructions.py, 16 "
            f"connections, the fewest of three runs each): the reactor thread, and the Python side's work on "
            f"the jobs (job_runner::run_batch, sync_runners::run_next and sync_runners::send_ready and all "
            f"they call, without the threads' waiting):")
        add("")
        add("| build | reactor | Python side, jobs | together |")
        add("| --- | ---: | ---: | ---: |")
        for name, (reactor, jobs) in args.instructions.items():
            add(f"| {name} | {reactor:,.0f} | {jobs:,.0f} | {reactor + jobs:,.0f} |")
    return "\n".join(lines), all(verdicts)


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return (f"{os.cpu_count()} cores ({model}), Linux {platform.release()}, Python {platform.python_version()}, "
            f"{wrk_version.strip()}")


def chart(results, order, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    labels = [c[0] for c in order if c[3] == 64]
    med = lambda label, key: statistics.median([r[key] for r in results[label] if r] or [0])  # noqa: E731
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.42 * len(labels) + 1.5), sharey=True)
    for ax, key, title in ((axes[0], "rps", "requests/s (64 connections)"),
                           (axes[1], "cpu_us", "server CPU-µs per request")):
        values = [med(label, key) for label in labels]
        lows = [v - min([r[key] for r in results[label] if r] or [0]) for v, label in zip(values, labels)]
        highs = [max([r[key] for r in results[label] if r] or [0]) - v for v, label in zip(values, labels)]
        colors = ["#2b6cb0" if label.startswith("snasio") else "#a0aec0" for label in labels]
        ax.barh(labels, values, xerr=[lows, highs], color=colors, capsize=3)
        ax.set_title(title)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("snasio and its peers, one interleaved run (median, min–max)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_docs(path, table, args):
    """Replaces the generated part of docs/benchmarks.md, keeping the prose around it."""
    doc = pathlib.Path(path)
    text = doc.read_text() if doc.exists() else "# Benchmarks\n\n<!-- bench:begin -->\n<!-- bench:end -->\n"
    command = "just bench" + (f" --duration {args.duration}" if args.duration != 3 else "") + \
        (f" --rounds {args.rounds}" if args.rounds != 5 else "") + (" --pin" if args.pin else "")
    generated = (f"<!-- bench:begin -->\n"
                 f"Written by `{command}` on {datetime.date.today().isoformat()} "
                 f"({machine()}).\n\n{table}\n\n![the run as a chart](benchmarks.png)\n<!-- bench:end -->")
    text = re.sub(r"<!-- bench:begin -->.*<!-- bench:end -->", lambda _: generated, text, flags=re.S)
    doc.write_text(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.environ.get("SNASIO_BUILD_DIR", "build-bench"))
    # Five short rounds rather than three long ones: on a shared machine the
    # noise comes in bursts, and the median of more rounds rides them out.
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--pin", action="store_true", help="servers on CPU 0, wrk on CPU 1")
    parser.add_argument("--quick", action="store_true", help="64 connections only")
    parser.add_argument("--workers", type=int, action="append", default=[],
                        help="also run snasio with --workers N (repeatable; 2 when none is given)")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only the cases whose label contains TEXT (repeatable)")
    parser.add_argument("--write", metavar="DOC", help="write the table into DOC and a chart beside it")
    parser.add_argument("--baseline", metavar="NAME=BINARY",
                        help="also run the sync hello route on an earlier build's snasio-serve, "
                             "and check it got no slower")
    args = parser.parse_args()
    if args.baseline:
        name, _, binary = args.baseline.partition("=")
        args.baseline = (name, str(pathlib.Path(binary).resolve()))
    args.workers = args.workers or [2]
    build = (ROOT / args.build).resolve()
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="snasio-bench-"))
    server_cpu, wrk_cpu = (0, 1) if args.pin else (None, None)

    order = cases(args.quick, args.workers, args.baseline[0] if args.baseline else None)
    if args.only:
        order = [c for c in order if any(text in c[0] for text in args.only)]
    results = {c[0]: [] for c in order}
    script, echo_bytes = echo_script(scratch)
    scripts = {"echo": script, **middleware_scripts(scratch)}  # before the servers: the static file is mounted
    servers = start_servers(build, scratch, server_cpu, args.workers, args.baseline)
    try:
        for case in order:  # warm-up: imports, JIT-free caches, pools, connections
            measure(servers, case, 1, scripts, wrk_cpu)
        for round_no in range(args.rounds):
            for case in order:
                r = measure(servers, case, args.duration, scripts, wrk_cpu)
                results[case[0]].append(r)
                shown = f"{r['rps']:,.0f} req/s, {r['cpu_us']:.2f} CPU-µs/req" if r else "errors"
                print(f"round {round_no + 1}: {case[0]} (c{case[3]}): {shown}", file=sys.stderr, flush=True)
    finally:
        stop_servers(servers)
        shutil.rmtree(scratch, ignore_errors=True)

    args.instructions = None
    if args.baseline and not args.only:
        args.instructions = instruction_counts([("today", str(build / "src" / "snasio-serve")), args.baseline])
    table, all_hold = report(results, order, args, echo_bytes, args.workers)
    print(table)
    if args.write:
        write_docs(args.write, table, args)
        chart(results, order, pathlib.Path(args.write).with_suffix(".png"))
        print(f"\nwrote {args.write} and {pathlib.Path(args.write).with_suffix('.png')}")
    return 0 if all_hold else 1


if __name__ == "__main__":
    sys.exit(main())
