"""Soak test for the reactor <-> GIL-thread bridge (not part of `just test`).

Drives a real snasio-serve for a while with a mix of every kind of request:
sync and async handlers, blocking ones, errors, malformed JSON, pipelined
batches, clients that disconnect mid-request (their tasks are cancelled) and
bursts that overflow a small job queue (503s). Every answer is checked. The
server's resident memory is sampled; at the end it must not have grown past a
bound, the server must still answer, and SIGTERM must exit 0.

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
# After warm-up, resident memory may grow by at most this much over the run.
MAX_RSS_GROWTH_MB = 32


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.failures = []

    def add(self, kind, ok, detail=""):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            if not ok:
                self.failures.append(f"{kind}: {detail}")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def one_round(host, port, rng, tally):
    conn = http.client.HTTPConnection(host, port, timeout=20)
    try:
        for _ in range(rng.randint(1, 20)):
            kind = rng.choice(["echo", "echo", "async", "blocking", "fail", "badjson", "text"])
            if kind == "echo":
                value = {"n": rng.randint(-2**70, 2**70), "s": "ü" * rng.randint(0, 50),
                         "l": [rng.random() for _ in range(rng.randint(0, 20))]}
                conn.request("POST", "/echo", json.dumps(value), {"Content-Type": "application/json"})
                r = conn.getresponse()
                body = r.read()
                ok = r.status == 503 or (r.status == 200 and json.loads(body) == {"v": value})
            elif kind == "async":
                ms = rng.randint(0, 5)
                conn.request("GET", f"/async/{ms}")
                r = conn.getresponse()
                body = r.read()
                ok = r.status == 503 or (r.status == 200 and json.loads(body) == {"ms": ms})
            elif kind == "blocking":
                conn.request("GET", "/blocking/1")
                r = conn.getresponse()
                body = r.read()
                ok = r.status == 503 or (r.status == 200 and body == b"slept")
            elif kind == "fail":
                status = rng.choice([404, 418, 500])
                conn.request("GET", f"/fail/{status}")
                r = conn.getresponse()
                body = r.read()
                ok = r.status in (status, 503)
            elif kind == "badjson":
                conn.request("POST", "/echo", "{\"a\": ", {"Content-Type": "application/json"})
                r = conn.getresponse()
                body = r.read()
                ok = r.status in (400, 503)
            else:
                n = rng.randint(0, 5000)
                conn.request("GET", f"/text?n={n}")
                r = conn.getresponse()
                body = r.read()
                ok = r.status == 503 or (r.status == 200 and body == b"t" * n)
            tally.add(kind if r.status != 503 else "503", ok, f"status {r.status} body {body[:80]!r}")
    finally:
        conn.close()


def pipelined(host, port, rng, tally):
    n = rng.randint(2, 12)
    with socket.create_connection((host, port), timeout=20) as s:
        s.sendall(b"".join(f"GET /async/0?i={i} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for i in range(n)))
        data = b""
        while data.count(b"HTTP/1.1 ") < n or not data.endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    ok = data.count(b"HTTP/1.1 200") + data.count(b"HTTP/1.1 503") == n
    tally.add("pipelined", ok, f"{n} requests, got {data.count(b'HTTP/1.1 ')} responses")


def disconnect(host, port, tally):
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.01)
    tally.add("disconnect", True)


def client(host, port, seed, stop, tally):
    rng = random.Random(seed)
    while not stop.is_set():
        try:
            roll = rng.random()
            if roll < 0.1:
                pipelined(host, port, rng, tally)
            elif roll < 0.15:
                disconnect(host, port, tally)
            else:
                one_round(host, port, rng, tally)
        except (OSError, http.client.HTTPException) as e:
            tally.add("error", False, repr(e))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.environ.get("SNASIO_BUILD_DIR", "build"))
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()

    serve = ROOT / args.build / "src" / "snasio-serve"
    proc = subprocess.Popen([str(serve), "--port", "0", "--app-dir", str(ROOT / "test" / "soak" / "app"),
                             "--queue-depth", "64"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    host, port = line.rsplit("http://", 1)[1].strip().rsplit(":", 1)
    port = int(port)

    tally = Tally()
    stop = threading.Event()
    threads = [threading.Thread(target=client, args=(host, port, seed, stop, tally)) for seed in range(args.clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(min(10.0, args.seconds / 4))
    rss_warm = rss_mb(proc.pid)
    rss_peak = rss_warm
    while time.monotonic() - start < args.seconds:
        time.sleep(1)
        rss_peak = max(rss_peak, rss_mb(proc.pid))
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    rss_end = rss_mb(proc.pid)

    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", "/stats")
    stats = json.loads(conn.getresponse().read())
    conn.close()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)

    total = sum(tally.counts.values())
    print(f"soak: {total} exchanges in {elapsed:.0f} s ({total / elapsed:.0f}/s) by {args.clients} clients")
    print("soak: by kind: " + ", ".join(f"{k}={v}" for k, v in sorted(tally.counts.items())))
    print(f"soak: handlers cancelled by disconnects: {stats['cancelled']}")
    print(f"soak: server RSS after warm-up {rss_warm:.1f} MB, peak {rss_peak:.1f} MB, end {rss_end:.1f} MB")
    problems = list(tally.failures[:20])
    if rss_end - rss_warm > MAX_RSS_GROWTH_MB:
        problems.append(f"RSS grew by {rss_end - rss_warm:.1f} MB (bound {MAX_RSS_GROWTH_MB} MB)")
    if tally.counts.get("disconnect", 0) and stats["cancelled"] == 0:
        problems.append("no handler was cancelled although clients disconnected")
    if code != 0:
        problems.append(f"exit code {code} after SIGTERM")
    for p in problems:
        print("soak: FAIL " + p)
    print(f"soak: {total - len(tally.failures)} passed, {len(tally.failures) + (len(problems) - len(tally.failures[:20]))} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
