"""Instructions per request, counted by valgrind's callgrind: a figure that
does not drift with the machine's load (the same binary, inputs and
environment give the same count), split by thread.

Runs each snasio-serve binary under callgrind, warms it up, zeroes the
counters, sends a fixed load with wrk, dumps, and divides by the requests
answered. User-space instructions only: what the kernel does for a system
call is not counted (bench/http_bench.py measures that as CPU time).

    /usr/bin/python3 bench/instructions.py --binary new=build-bench/src/snasio-serve --path /hello
"""

import argparse
import glob
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from http_bench import ROOT, free_port, wait_ready, wrk  # noqa: E402


def thread_totals(out_dir):
    """{thread number: instructions} from the measured dump, one file per thread."""
    totals = {}
    for path in glob.glob(os.path.join(out_dir, "cg.out.1-*")):
        with open(path) as f:
            text = f.read()
        thread = re.search(r"^thread: (\d+)", text, re.M)
        summary = re.search(r"^summary: (\d+)", text, re.M) or re.search(r"^totals: (\d+)", text, re.M)
        if thread and summary:
            totals[int(thread.group(1))] = totals.get(int(thread.group(1)), 0) + int(summary.group(1))
    return totals


# What the Python side spends on the jobs themselves: the threads also wait
# and poll for the next batch, which callgrind counts too, and that count
# grows as the load falls; the inclusive counts of the functions that take,
# run and release the jobs do not. The GIL thread runs the loop's batches
# (and, in builds before the sync threads, every job); a sync thread takes
# each sync job, runs and releases it (sync_runners::run_next) and hands its
# answers over.
JOB_PATHS = ["snasio::python::job_runner::run_batch()",
             "snasio::python::sync_runners::run_next(snasio::python::sync_runners::worker&, snasio::python::outbox&)",
             "snasio::python::sync_runners::send_ready(snasio::python::sync_runners::worker&)"]


def inclusive(dumps, function):
    """Instructions spent in `function` and everything it called, over the dumps."""
    total = 0
    for dump in dumps:
        out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", dump],
                             capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            fields = line.split(None, 2)
            if len(fields) == 3 and fields[2].split(" [")[0].endswith(":" + function):
                total += int(fields[0].replace(",", ""))
    return total


def measure(binary, app_dir, path, seconds, connections, script=None, keep=None, functions=(), refused=False,
            modules=(), serve_args=()):
    out_dir = tempfile.mkdtemp(prefix="snasio-callgrind-")
    port = free_port()
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out_dir}/cg.out",
         binary, "--port", str(port), "--app-dir", app_dir, *(a for m in modules for a in ("--module", m)),
         *serve_args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, proc, timeout=120)
        url = f"http://127.0.0.1:{port}{path}"
        # Under valgrind a request can take far longer than wrk's 2 s default.
        wrk(url, 2, connections, script, timeout=30, refused=refused)  # warm-up: imports, caches, the first batches
        subprocess.run(["callgrind_control", "--zero", str(proc.pid)], check=True, capture_output=True)
        result = wrk(url, seconds, connections, script, timeout=30, refused=refused)
        subprocess.run(["callgrind_control", "--dump=measured", str(proc.pid)], check=True, capture_output=True)
        time.sleep(1)
        totals = thread_totals(out_dir)
        dumps = glob.glob(os.path.join(out_dir, "cg.out.1-*"))
        spent = {name: inclusive(dumps, name) for name in functions}
        if keep:  # the measured dumps, for callgrind_annotate
            os.makedirs(keep, exist_ok=True)
            for dump in glob.glob(os.path.join(out_dir, "cg.out.1-*")):
                shutil.copy(dump, keep)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(out_dir, ignore_errors=True)
    return (result["requests"], totals, spent) if functions else (result["requests"], totals)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", action="append", required=True, help="NAME=PATH")
    parser.add_argument("--app-dir", default=str(ROOT / "bench" / "app"))
    parser.add_argument("--path", default="/hello")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--script", help="a wrk Lua script (a POST body, say)")
    parser.add_argument("--refused", action="store_true", help="the path is answered 4xx (a 422 case): expect that")
    parser.add_argument("--serve-args", default="", help="more flags for snasio-serve: \"--compress gzip\", say")
    parser.add_argument("--keep", help="keep each binary's measured dumps in KEEP/NAME (callgrind_annotate reads them)")
    args = parser.parse_args()
    print(f"| binary | path | requests | instructions per request | by thread (1 = reactor) |")
    print("| --- | --- | ---: | ---: | --- |")
    for spec in args.binary:
        name, _, binary = spec.partition("=")
        requests, totals = measure(binary, args.app_dir, args.path, args.seconds, args.connections,
                                  args.script, os.path.join(args.keep, name) if args.keep else None,
                                  refused=args.refused, serve_args=shlex.split(args.serve_args))
        if not requests:
            print(f"| {name} | {args.path} | 0 | – | a stalled run: try again |", flush=True)
            continue
        per_thread = ", ".join(f"{t}: {n / requests:,.0f}" for t, n in sorted(totals.items()) if n)
        print(f"| {name} | {args.path} | {requests} | {sum(totals.values()) / requests:,.0f} | {per_thread} |",
              flush=True)


if __name__ == "__main__":
    main()
