"""A/B: two snasio-serve binaries under the same load, interleaved.

Both servers run at once (same app, their own ports); each round loads A, then
B, with wrk, and reads what each server spent from /proc: CPU time of its
whole process tree and the voluntary context switches of its threads. Only
figures from the same run are compared; the median of the rounds is reported
with min-max.

    /usr/bin/python3 bench/ab.py --binary old=/path/to/snasio-serve \\
        --binary new=build-bench/src/snasio-serve --path /hello --rounds 5

With several --path, every binary is loaded on every path in each round
(one binary and two paths compare two routes of the same server); --script
gives wrk a Lua script (a client that takes gzip, say).
"""

import argparse
import pathlib
import shlex
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import procstat  # noqa: E402
from http_bench import ROOT, free_port, start_process, wait_ready, wrk  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", action="append", required=True,
                        help="NAME=PATH, or NAME='PATH FLAGS...' for a server started with more flags (two or more)")
    parser.add_argument("--app-dir", default=str(ROOT / "bench" / "app"))
    parser.add_argument("--path", action="append", help="a path to load (repeat: every binary on every path)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--script", help="a wrk Lua script for every load (headers, a method, a body)")
    args = parser.parse_args()

    servers = {}
    try:
        for spec in args.binary:
            name, _, command = spec.partition("=")
            port = free_port()
            path, *flags = shlex.split(command)
            proc = start_process([path, "--port", str(port), "--app-dir", args.app_dir, *flags])
            wait_ready(port, proc)
            servers[name] = (port, proc)
        paths = args.path or ["/hello"]
        cases = {(name if len(paths) == 1 else f"{name} {path}"): (port, proc, path)
                 for name, (port, proc) in servers.items() for path in paths}
        figures = {name: [] for name in cases}
        for r in range(args.rounds):
            for name, (port, proc, path) in cases.items():
                before = procstat.sample(proc.pid)
                result = wrk(f"http://127.0.0.1:{port}{path}", args.duration, args.connections, args.script)
                after = procstat.sample(proc.pid)
                spent = procstat.delta(before, after, result["requests"])
                figures[name].append((result["rps"], spent["cpu_us"], spent["vcsw"]))
                print(f"round {r + 1} {name}: {result['rps']:.0f} req/s, {spent['cpu_us']:.2f} CPU-µs/req, "
                      f"{spent['vcsw']:.3f} vol. switches/req", flush=True)
        print()
        print("| case | req/s | CPU-µs per request | voluntary switches per request |")
        print("| --- | ---: | ---: | ---: |")
        for name, rows in figures.items():
            cells = []
            for i, fmt in ((0, "{:.0f}"), (1, "{:.2f}"), (2, "{:.3f}")):
                values = [row[i] for row in rows]
                cells.append(f"{fmt.format(statistics.median(values))} "
                             f"({fmt.format(min(values))}–{fmt.format(max(values))})")
            print(f"| {name} | " + " | ".join(cells) + " |")
    finally:
        for port, proc in servers.values():
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
