"""Soak test for the server and its reactor <-> GIL-thread bridge (`just soak`).

Drives a real snasio-serve for a while with a mix of every kind of client:
sync, async (waiting, and only yielding: parked and stepped without a Task),
blocking and process-pool handlers, plain def handlers that
block (sleep) past the sync threads' hand-off, errors, malformed JSON,
multipart forms with files and cookies (set, read, redirected) and broken ones,
pipelined bursts that overflow --max-pipelined, slow readers and slow writers,
clients that disconnect mid-request (from a waiting or a yielding
handler) and mid-response (their handlers are cancelled), dependencies whose clean-ups must all run, bursts that fill a
small job queue (503s), files asked for with malformed Range and
If-Modified-Since headers, and pipeliners that never read their answers.
Every answer is checked. The server's RSS, open descriptors and threads are
read at start, after warm-up and at the end; the run fails if anything was
lost or wrong, if they grew after warm-up past the bounds below, or if the
descriptors other than the ones of the warm-up's connections do not return
to their baseline.

    /usr/bin/python3 test/soak/bridge_soak.py [--seconds 120] [--clients 16]
"""

import argparse
import http.client
import json
import os
import pathlib
import random
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]

# After warm-up, how much each may grow by the end (the end is read once the
# clients have stopped and the server has had a moment to close connections).
MAX_RSS_GROWTH_MB = 32
MAX_FD_GROWTH = 16

# The server runs with small bounds, so the soak reaches them often.
BLOCKING_THREADS = 8
SERVER_FLAGS = ["--queue-depth", "64", "--max-pipelined", "4", "--pool-workers", "2", "--write-timeout", "5",
                "--header-timeout", "5", "--max-unsent-bytes", "262144", "--blocking-threads", str(BLOCKING_THREADS)]
# Threads are not bounded by their growth after warm-up: the sync threads and
# the loop's executor start more on demand (a handler that blocks), up to
# --blocking-threads each, so a run may still add a few late. A leak passes
# the bound the configuration sets: the reactor, the watcher and the GIL
# thread, the two pools, the process pool's two helper threads, and 2 to spare.
MAX_THREADS = 3 + 2 * BLOCKING_THREADS + 2 + 2


class Tally:
    """Every exchange by kind and status; every unexpected answer, with why."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.statuses = {}
        self.failures = []
        self.slowest = {}  # kind of client -> its longest run, in seconds

    def add(self, kind, ok, status=None, detail=""):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            if status is not None:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            if not ok:
                self.failures.append(f"{kind}: {detail}")


def process_figures(pid):
    """(RSS MB, open descriptors, threads, open descriptors that are no TCP
    connection) of the server."""
    rss = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            if line.startswith("Threads:"):
                threads = int(line.split()[1])
    descriptors = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            descriptors.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            pass  # closed meanwhile
    sockets = {f"socket:[{line.split()[9]}]" for name in ("tcp", "tcp6")
               for line in open(f"/proc/{pid}/net/{name}").read().splitlines()[1:]
               if line.split()[3] != "0A"}  # every TCP socket but the listening ones
    return rss, len(descriptors), threads, sum(1 for d in descriptors if d not in sockets)


# -- the kinds of client ---------------------------------------------------------------

_request_ids = iter(range(1 << 62))


def exchange(conn, tally, kind, method, path, body=None, headers=None, check=lambda status, body: True):
    # Every request names itself, and every answer must carry its name back.
    request_id = f"soak-{next(_request_ids)}"
    conn.request(method, path, body, {**(headers or {}), "X-Request-ID": request_id,
                                      "X-Forwarded-For": "203.0.113.7"})
    r = conn.getresponse()
    data = r.read()
    ok = (r.status == 503 or check(r.status, data)) and r.getheader("X-Request-ID") == request_id
    tally.add(kind, ok, r.status, f"{method} {path}: status {r.status} id {r.getheader('X-Request-ID')} "
                                  f"body {data[:80]!r}")


def typed_round(conn, rng, tally, kind):
    """A typed route: a valid order comes back converted; one with faults is
    a 422 (from the reactor) naming exactly the fields at fault."""
    n, order = rng.randint(0, 10**6), {"item": "x" * rng.randint(1, 20), "qty": rng.randint(1, 100),
                                         "tags": ["t"] * rng.randint(0, 5)}
    wrong = []
    if kind == "typed-refused":
        for field, bad in rng.sample([("item", "y" * 21), ("qty", 0), ("qty", "many"), ("tags", "t")],
                                     rng.randint(1, 3)):
            if ["body", field] not in wrong:
                order[field] = bad
                wrong.append(["body", field])
        if rng.random() < 0.3:
            del order["item"]
            wrong = [w for w in wrong if w != ["body", "item"]] + [["body", "item"]]
    expected = {"n": n, "order": order, "note": "", "at": "2026-01-01T00:00:00Z"}
    if kind == "typed-refused" and rng.random() < 0.2:
        # A NUL byte, after a valid value or inside it: refused where it is (400), never a 500.
        text = json.dumps(expected["order"])
        cut = rng.choice([len(text), rng.randrange(len(text))])
        sent = text[:cut] + "\0" + text[cut:]
        exchange(conn, tally, kind, "POST", f"/typed/{n}", sent, {"Content-Type": "application/json"},
                 lambda s, b: s == 400 and json.loads(b)["error"] == f"invalid JSON at offset {cut}: a NUL byte")
        return
    exchange(conn, tally, kind, "POST", f"/typed/{n}", json.dumps(order), {"Content-Type": "application/json"},
             lambda s, b: (s, json.loads(b)) == (200, expected) if not wrong else
             s == 422 and sorted(e["loc"] for e in json.loads(b)["errors"]) == sorted(wrong))


def keepalive_round(host, port, rng, tally):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        for _ in range(rng.randint(1, 20)):
            kind = rng.choice(["echo", "echo", "async", "yields", "blocking", "sync-sleep", "fail", "badjson", "text", "pool",
                               "pool-async", "deps", "form", "badform", "file", "typed", "typed-refused",
                               "static", "cors", "compressed"])
            if kind == "echo":
                value = {"n": rng.randint(-2**70, 2**70), "s": "ü" * rng.randint(0, 50),
                         "l": [rng.random() for _ in range(rng.randint(0, 20))]}
                exchange(conn, tally, kind, "POST", "/echo", json.dumps(value), {"Content-Type": "application/json"},
                         lambda s, b: s == 200 and json.loads(b) == {"v": value})
            elif kind == "async":
                ms = rng.randint(0, 5)
                exchange(conn, tally, kind, "GET", f"/async/{ms}",
                         check=lambda s, b: s == 200 and json.loads(b) == {"ms": ms})
            elif kind == "yields":
                n = rng.randint(0, 20)
                exchange(conn, tally, kind, "GET", f"/yields/{n}",
                         check=lambda s, b: s == 200 and json.loads(b) == {"n": n})
            elif kind == "blocking":
                exchange(conn, tally, kind, "GET", "/blocking/1", check=lambda s, b: s == 200 and b == b"slept")
            elif kind == "sync-sleep":
                # A plain def that waits past the hand-off: the sync threads take turns.
                ms = rng.randint(3, 40)
                exchange(conn, tally, kind, "GET", f"/sleep/{ms}", check=lambda s, b: s == 200 and b == b"slept")
            elif kind == "fail":
                status = rng.choice([404, 418, 500])
                exchange(conn, tally, kind, "GET", f"/fail/{status}", check=lambda s, b: s == status)
            elif kind == "badjson":
                exchange(conn, tally, kind, "POST", "/echo", "{\"a\": ", {"Content-Type": "application/json"},
                         lambda s, b: s == 400)
            elif kind == "deps":
                n = rng.randint(0, 10**6)
                exchange(conn, tally, kind, "GET", f"/deps/{n}",
                         check=lambda s, b: s == 200 and json.loads(b) == {"n": n, "dependency": "resource"})
            elif kind in ("form", "badform"):
                form_round(conn, rng, tally, kind)
            elif kind in ("typed", "typed-refused"):
                typed_round(conn, rng, tally, kind)
            elif kind == "file":
                file_round(conn, rng, tally)
            elif kind in ("static", "cors", "compressed"):
                middleware_round(conn, rng, tally, kind)
            elif kind == "text":
                n = rng.randint(0, 5000)
                exchange(conn, tally, kind, "GET", f"/text?n={n}", check=lambda s, b: s == 200 and b == b"t" * n)
            else:
                n = rng.randint(0, 10**6)
                exchange(conn, tally, kind, "GET", f"/{kind}/{n}",
                         check=lambda s, b: s == 200 and json.loads(b) == {"square": n * n})
    finally:
        conn.close()


def form_round(conn, rng, tally, kind):
    """A multipart form with a file and cookies: all must come back, with a
    Set-Cookie, or a 303 when the form asks for one; a broken one is a 400."""
    boundary = f"soak{rng.randrange(10**9)}"
    fields = {f"f{i}": "é" * rng.randint(0, 30) for i in range(rng.randint(0, 3))}
    if rng.random() < 0.3:
        fields["redirect"] = "yes"
    data = rng.randbytes(rng.randint(0, 3000))
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="up"; filename="x.bin"\r\n\r\n'.encode()
                 + data + b"\r\n")
    body = b"".join(parts) + (f"--{boundary}--\r\n".encode() if kind == "form" else b"")
    cookies = {"c": str(rng.randrange(1000))}
    conn.request("POST", "/form", body, {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                         "Cookie": f"c={cookies['c']}"})
    r = conn.getresponse()
    answer = r.read()
    if kind == "badform":
        ok = r.status in (400, 503)
    elif r.status == 303:
        ok = "redirect" in fields and r.getheader("Location") == "/done" and r.getheader("Set-Cookie") == \
            f"seen={len(body)}; Path=/; HttpOnly"
    else:
        ok = r.status == 503 or (r.status == 200 and "redirect" not in fields and json.loads(answer) == {
            "form": fields, "cookies": cookies, "files": {"up": ["x.bin", data.hex()]}}
            and r.getheader("Set-Cookie") == f"seen={len(body)}; Path=/; HttpOnly")
    tally.add(kind, ok, r.status, f"POST /form: status {r.status} body {answer[:80]!r}")


FILE = bytes(range(256)) * 16  # what /file sends
FILE_ASKS = [
    ("Range", "bytes=10-19", lambda s, b: s == 206 and b == FILE[10:20]),
    ("Range", "bytes=-5", lambda s, b: s == 206 and b == FILE[-5:]),
    ("Range", "bytes=5000-", lambda s, b: s == 416),
    ("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT", lambda s, b: s == 304),
    # Malformed: ignored, the whole file (RFC 9110 13.1.3, 14.2).
    ("Range", "bytes=\u00b2-5", None),
    ("Range", "bytes=0-\u0663", None),
    ("Range", "bytes=1" + "9" * 30 + "-", None),
    ("Range", "bytes=5-2", None),
    ("Range", "lines=1-2", None),
    ("If-Modified-Since", "Sun, 06 Nov 99999999999999999999 08:49:37 GMT", None),
    ("If-Modified-Since", "the day before", None),
]


STATIC = {"/static/small.txt": bytes(range(256)) * 16, "/static/large.bin": bytes(range(256)) * 2048}


def middleware_round(conn, rng, tally, kind):
    """A static file (whole, a range, or 304), a CORS preflight or request
    (allowed or not), or a compressed answer (gzip or br, decoded)."""
    if kind == "static":
        path = rng.choice(list(STATIC))
        start = rng.randint(0, 100)
        asks = rng.choice([{}, {"Range": f"bytes={start}-{start + 99}"}, {"If-None-Match": "*"}])
        want = {(): (200, STATIC[path]), ("Range",): (206, STATIC[path][start:start + 100]), ("If-None-Match",): (304, b"")}
        status, data = want[tuple(asks)]
        exchange(conn, tally, kind, "GET", path, headers=asks, check=lambda s, b: s == status and b == data)
    elif kind == "cors":
        allowed = rng.random() < 0.8
        origin = "https://soak.example" if allowed else "https://elsewhere.example"
        if rng.random() < 0.5:
            exchange(conn, tally, kind, "OPTIONS", "/echo", headers={"Origin": origin,
                                                                     "Access-Control-Request-Method": "POST"},
                     check=lambda s, b: s == (204 if allowed else 403))
        else:
            exchange(conn, tally, kind, "GET", "/text?n=10", headers={"Origin": origin},
                     check=lambda s, b: s == (200 if allowed else 403))
    else:
        import brotli
        import gzip
        n, coding = rng.randint(0, 20000), rng.choice(["gzip", "br"])
        decode = gzip.decompress if coding == "gzip" else brotli.decompress

        def check(status, body):
            return status == 200 and (decode(body) if n >= 256 else body) == b"t" * n
        exchange(conn, tally, kind, "GET", f"/text?n={n}", headers={"Accept-Encoding": coding}, check=check)


def file_round(conn, rng, tally):
    name, value, check = rng.choice(FILE_ASKS)
    raw = value.encode("utf-8")  # as a client would send it: bytes, not always Latin-1 ones
    conn.putrequest("GET", "/file")
    conn.putheader(name, raw)
    request_id = f"soak-{next(_request_ids)}"
    conn.putheader("X-Request-ID", request_id)
    conn.endheaders()
    r = conn.getresponse()
    data = r.read()
    ok = (check or (lambda s, b: s == 200 and b == FILE))(r.status, data) or r.status == 503
    tally.add("file", ok and r.getheader("X-Request-ID") == request_id, r.status,
              f"GET /file with {name}: {value!r}: status {r.status}, {len(data)} bytes")


def read_responses(sock, count, timeout=30):
    """Reads `count` whole responses (Content-Length framed); returns their statuses."""
    sock.settimeout(timeout)
    data, statuses = b"", []
    while len(statuses) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end < 0:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            continue
        head = data[:head_end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        while len(data) < head_end + 4 + length:
            chunk = sock.recv(65536)
            if not chunk:
                return statuses
            data += chunk
        statuses.append(int(head.split(" ", 2)[1]))
        data = data[head_end + 4 + length:]
    return statuses


def pipelined_burst(host, port, rng, tally):
    """More requests at once than --max-pipelined: all answered, in order."""
    n = rng.randint(2, 16)
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(b"".join(f"GET /async/0?i={i} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for i in range(n)))
        statuses = read_responses(s, n)
    ok = len(statuses) == n and all(st in (200, 503) for st in statuses)
    tally.add("pipelined", ok, None, f"{n} requests, answers {statuses}")


def slow_writer(host, port, rng, tally):
    """Sends its request a few bytes at a time, well within --header-timeout."""
    request = b"GET /text?n=7 HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * rng.randint(0, 200) + b"\r\n\r\n"
    with socket.create_connection((host, port), timeout=30) as s:
        for i in range(0, len(request), 16):
            s.sendall(request[i:i + 16])
            time.sleep(0.005)
        statuses = read_responses(s, 1)
    tally.add("slow-writer", statuses == [200] or statuses == [503], statuses[0] if statuses else None,
              f"answers {statuses}")


def slow_reader(host, port, rng, tally):
    """Asks for a big response and reads it slowly, then all of it."""
    kb = rng.randint(256, 2048)
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(f"GET /big/{kb} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        got = bytearray()
        while len(got) < 64 * 1024:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
            time.sleep(0.002)
        head_end = got.find(b"\r\n\r\n")
        while head_end < 0 or len(got) - head_end - 4 < kb * 1024:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got += chunk
            head_end = got.find(b"\r\n\r\n")
    ok = got.startswith(b"HTTP/1.1 503") or (got.startswith(b"HTTP/1.1 200") and
                                              len(got) - head_end - 4 == kb * 1024)
    tally.add("slow-reader", ok, None, f"{len(got)} bytes of a {kb} KB answer")


def leave_mid_request(host, port, rng, tally):
    """Asks for a handler that hangs (waiting, or only yielding), then leaves:
    the handler is cancelled."""
    path = rng.choice(["/hang", "/hang-yielding"])
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(0.01)
    tally.add("leave-mid-request" + ("-yielding" if path == "/hang-yielding" else ""), True)


def leave_mid_response(host, port, rng, tally):
    """Reads part of a big answer, then leaves."""
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(f"GET /big/{rng.randint(512, 4096)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        s.recv(rng.randint(1, 65536))
    tally.add("leave-mid-response", True)


def read_chunked(sock, timeout=30):
    """A chunked response: (status, body, complete); complete only with its last chunk."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            return None, b"", False
        data += more
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"Transfer-Encoding: chunked" not in head:
        return status, rest, False  # not a stream: a refusal (503 when the queue is full)
    body = b""
    while True:
        while b"\r\n" not in rest:
            more = sock.recv(65536)
            if not more:
                return status, body, False
            rest += more
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        while len(rest) < size + 2:
            more = sock.recv(65536)
            if not more:
                return status, body, False
            rest += more
        if size == 0:
            return status, body, True
        body += rest[:size]
        rest = rest[size + 2:]


def streaming(host, port, rng, tally):
    """A streamed answer (sync or async generator, or events), read whole and
    checked, or left at a random point: every generator is closed either way."""
    n = rng.randint(1, 256)
    path = rng.choice([f"/stream/{n}", f"/astream/{n}", f"/events/{min(n, 32)}"])
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        if rng.random() < 0.5:
            s.recv(rng.randint(1, 8192))  # and leaves mid-stream
            tally.add("stream-left", True)
            return
        status, body, complete = read_chunked(s)
    if status == 503:
        ok = True  # the queue was full: refused before any handler ran
    elif path.startswith("/events"):
        events = [e for e in body.decode().split("\n\n") if e and not e.startswith(":")]
        ok = status == 200 and complete and len(events) == min(n, 32)
    else:
        ok = status == 200 and complete and body == b"0123456789abcdef" * 64 * n
    tally.add("stream", ok, status, f"GET {path}: status {status}, {len(body)} bytes, complete={complete}")


def never_reader(host, port, rng, tally):
    """Pipelines requests for large answers and never reads one: the server
    stops reading it at --max-unsent-bytes; then the client leaves."""
    with socket.create_connection((host, port), timeout=30) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(f"GET /big/{rng.randint(64, 512)} HTTP/1.1\r\nHost: x\r\n\r\n".encode() * rng.randint(4, 64))
        time.sleep(rng.uniform(0.1, 1.0))
    tally.add("never-reader", True)


def queue_burst(host, port, tally):
    """Many at once to a handler that holds the GIL thread: the small queue
    fills behind it and the rest get 503."""
    socks = []
    try:
        for _ in range(96):
            s = socket.create_connection((host, port), timeout=30)
            s.sendall(b"GET /stall/2 HTTP/1.1\r\nHost: x\r\n\r\n")
            socks.append(s)
        statuses = [read_responses(s, 1) for s in socks]
    finally:
        for s in socks:
            s.close()
    answered = [st[0] for st in statuses if st]
    ok = len(answered) == len(socks) and set(answered) <= {200, 503}
    tally.add("queue-burst", ok, None, f"{len(answered)} of {len(socks)} answered: {sorted(set(answered))}")
    for st in answered:
        tally.add("queue-burst-answer", True, st)


def client(host, port, seed, stop, tally):
    rng = random.Random(seed)
    def kind(name, run):
        run.__name__ = name
        return run

    kinds = [(0.10, kind("pipelined", lambda: pipelined_burst(host, port, rng, tally))),
             (0.05, kind("leave-mid-request", lambda: leave_mid_request(host, port, rng, tally))),
             (0.04, kind("leave-mid-response", lambda: leave_mid_response(host, port, rng, tally))),
             (0.04, kind("slow-writer", lambda: slow_writer(host, port, rng, tally))),
             (0.03, kind("slow-reader", lambda: slow_reader(host, port, rng, tally))),
             (0.08, kind("streaming", lambda: streaming(host, port, rng, tally))),
             (0.01, kind("queue-burst", lambda: queue_burst(host, port, tally))),
             (0.02, kind("never-reader", lambda: never_reader(host, port, rng, tally)))]
    while not stop.is_set():
        began = time.monotonic()
        name = "keepalive"
        try:
            roll = rng.random()
            for chance, run in kinds:
                if roll < chance:
                    name = run.__name__
                    run()
                    break
                roll -= chance
            else:
                keepalive_round(host, port, rng, tally)
        except (OSError, http.client.HTTPException) as e:
            tally.add("error", False, None, repr(e))
        with tally.lock:
            tally.slowest[name] = max(tally.slowest.get(name, 0), time.monotonic() - began)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.environ.get("SNASIO_BUILD_DIR", "build"))
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()

    serve = ROOT / args.build / "src" / "snasio-serve"
    proc = subprocess.Popen([str(serve), "--port", "0", "--app-dir", str(ROOT / "test" / "soak" / "app"),
                             *SERVER_FLAGS], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    host, port = line.rsplit("http://", 1)[1].strip().rsplit(":", 1)
    port = int(port)
    at_start = process_figures(proc.pid)

    tally = Tally()
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(host, port, seed, stop, tally)) for seed in range(args.clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(min(10.0, args.seconds / 4))
    warm = process_figures(proc.pid)
    rss_peak = warm[0]
    while time.monotonic() - start < args.seconds:
        time.sleep(1)
        rss_peak = max(rss_peak, process_figures(proc.pid)[0])
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    # Connections the clients closed are gone in a moment; the descriptors
    # that are not connections return to where they were after warm-up.
    deadline = time.monotonic() + 10
    end = process_figures(proc.pid)
    while end[3] > warm[3] and time.monotonic() < deadline:
        time.sleep(0.2)
        end = process_figures(proc.pid)

    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", "/stats")
    stats = json.loads(conn.getresponse().read())
    conn.close()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)

    total = sum(tally.counts.values())
    print(f"soak: {total} exchanges in {elapsed:.0f} s ({total / elapsed:.0f}/s) by {args.clients} clients")
    print("soak: by kind: " + ", ".join(f"{k}={v}" for k, v in sorted(tally.counts.items())))
    print("soak: answers by status: " + ", ".join(f"{k}={v}" for k, v in sorted(tally.statuses.items())))
    print(f"soak: handlers cancelled by clients that left: {stats['cancelled']} waiting, "
          f"{stats['cancelled_yielding']} yielding")
    print(f"soak: dependencies opened {stats['opened']}, closed {stats['closed']}")
    print("soak: longest client run by kind: " + ", ".join(f"{k}={v:.2f}s" for k, v in sorted(tally.slowest.items())))
    for name, i, unit in (("RSS", 0, "MB"), ("open descriptors", 1, ""), ("threads", 2, ""),
                          ("descriptors but connections", 3, "")):
        print(f"soak: {name}: start {at_start[i]:.1f}{unit}, after warm-up {warm[i]:.1f}{unit}, "
              f"end {end[i]:.1f}{unit}" + (f", peak {rss_peak:.1f}{unit}" if i == 0 else ""))
    problems = list(tally.failures[:20])
    if len(tally.failures) > 20:
        problems.append(f"... and {len(tally.failures) - 20} more unexpected answers")
    for name, i, bound in (("RSS", 0, MAX_RSS_GROWTH_MB), ("open descriptors", 1, MAX_FD_GROWTH)):
        if end[i] - warm[i] > bound:
            problems.append(f"{name} grew by {end[i] - warm[i]:.1f} after warm-up (bound {bound})")
    if max(warm[2], end[2]) > MAX_THREADS:
        problems.append(f"{max(warm[2], end[2]):.0f} threads, past the {MAX_THREADS} the configuration allows")
    if end[3] > warm[3]:
        problems.append(f"{end[3] - warm[3]} descriptors (no connection) more than after warm-up: leaked")
    if tally.counts.get("leave-mid-request", 0) and stats["cancelled"] == 0:
        problems.append("no handler was cancelled although clients left")
    if tally.counts.get("leave-mid-request-yielding", 0) and stats["cancelled_yielding"] == 0:
        problems.append("no handler parked at a bare yield was cancelled although clients left")
    if stats["opened"] != stats["closed"]:
        problems.append(f"{stats['opened'] - stats['closed']} dependency clean-ups never ran")
    print(f"soak: stream generators started {stats['streams_started']}, closed {stats['streams_closed']}")
    if stats["streams_started"] != stats["streams_closed"]:
        problems.append(f"{stats['streams_started'] - stats['streams_closed']} stream generators never closed")
    if code != 0:
        problems.append(f"exit code {code} after SIGTERM")
    for p in problems:
        print("soak: FAIL " + p)
    print(f"soak: {total - len(tally.failures)} as expected, {len(tally.failures)} unexpected")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
