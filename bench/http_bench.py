"""HTTP benchmark: snasio's Python and native routes against uvicorn, one run.

Starts snasio-serve (bench/app) and uvicorn (uvloop + httptools, one worker,
bench/uvicorn_app.py) on loopback, loads each route with wrk in turn, and
prints requests/s with ratios against uvicorn measured in the same run.
Absolute numbers on a shared machine are noise; the ratios are the result.

    /usr/bin/python3 bench/http_bench.py [--duration 10] [--connections 64]
"""

import argparse
import os
import pathlib
import re
import socket
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, timeout=20):
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


def wrk(url, duration, connections):
    """Runs wrk once; a non-2xx answer or a socket error fails the run."""
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url],
                         check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses")
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        raise RuntimeError(f"{url}: socket errors: {socket_errors.group(1)}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p99": re.search(r"99%\s+([\d.]+\w+)", out).group(1),
    }


def start_process(argv):
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_snasio(build, port):
    return subprocess.Popen([str(build / "src" / "snasio-serve"), "--port", str(port),
                             "--app-dir", str(ROOT / "bench" / "app")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_uvicorn(port):
    return subprocess.Popen(["/usr/bin/python3", "-m", "uvicorn", "--app-dir", str(ROOT / "bench"),
                             "uvicorn_app:app", "--port", str(port), "--loop", "uvloop", "--http", "httptools",
                             "--no-access-log", "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.environ.get("SNASIO_BUILD_DIR", "build"))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    build = (ROOT / args.build).resolve()

    servers = {}
    try:
        for name, start in (("snasio", lambda p: start_snasio(build, p)), ("uvicorn", start_uvicorn)):
            port = free_port()
            proc = start(port)
            wait_ready(port, proc)
            servers[name] = (port, proc)
        cases = [
            ("snasio native /health", "snasio", "/health"),
            ("snasio Python /hello", "snasio", "/hello"),
            ("uvicorn /hello", "uvicorn", "/hello"),
            ("snasio Python /async", "snasio", "/async"),
            ("uvicorn /async", "uvicorn", "/async"),
        ]
        results = {}
        for label, server, path in cases:
            url = f"http://127.0.0.1:{servers[server][0]}{path}"
            wrk(url, 1, args.connections)  # warm-up
            results[label] = wrk(url, args.duration, args.connections)
    finally:
        for _, proc in servers.values():
            proc.terminate()
            proc.wait(timeout=15)

    print(f"wrk -t1 -c{args.connections} -d{args.duration}s on loopback, {os.cpu_count()} cores")
    print(f"{'case':<26}{'req/s':>12}{'p99':>10}")
    for label, r in results.items():
        print(f"{label:<26}{r['rps']:>12.0f}{r['p99']:>10}")
    hello = results["snasio Python /hello"]["rps"] / results["uvicorn /hello"]["rps"]
    async_ = results["snasio Python /async"]["rps"] / results["uvicorn /async"]["rps"]
    native = results["snasio native /health"]["rps"] / results["snasio Python /hello"]["rps"]
    print(f"ratio Python /hello vs uvicorn:  {hello:.2f}x")
    print(f"ratio Python /async vs uvicorn:  {async_:.2f}x")
    print(f"ratio native /health vs Python /hello: {native:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
