"""Micro-benchmark: the C++ router against werkzeug's MapAdapter.match.

Builds rule sets of 1, 100 and 1000 routes (REST-like resources mixing static
segments with int, uuid, string and path converters), matches the same paths
with both, and prints ns per match. snasio is timed in C++ (the module's
bench(): no Python in the loop); werkzeug is timed from Python, as it runs.

    SNASIO_BUILD_DIR=build /usr/bin/python3 bench/router_bench.py
"""

import argparse
import datetime
import os
import pathlib
import re
import sys
import time

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, RequestRedirect, Rule

ROOT = pathlib.Path(__file__).resolve().parents[1]
ROUTE_COUNTS = (1, 100, 1000)
TARGET_SECONDS = 0.5  # per measurement: long enough to be stable, short enough to wait for
UUID = "12345678-abcd-1234-abcd-1234567890ab"

# One resource's routes: (methods, pattern). Five per resource.
RESOURCE_ROUTES = [
    (["GET", "POST"], "/api/{r}/"),
    (["GET", "PUT", "DELETE"], "/api/{r}/<int:id>"),
    (["GET"], "/api/{r}/<int:id>/items/<uuid:item>"),
    (["GET"], "/{r}/page/<slug>"),
    (["GET"], "/{r}/files/<path:name>"),
]


def load_module():
    build = os.environ.get("SNASIO_BUILD_DIR")
    if not build:
        sys.exit("set SNASIO_BUILD_DIR to the meson build directory")
    for base in (pathlib.Path(build), ROOT / build):
        directory = (base / "test" / "routing").resolve()
        if any(directory.glob("_snasio_routing*.so")):
            sys.path.insert(0, str(directory))
            import _snasio_routing

            return _snasio_routing
    sys.exit(f"_snasio_routing not found under {build}/test/routing: run ninja -C {build}")


def rules_for(count):
    """`count` (methods, pattern) pairs, and the resource names they use."""
    if count == 1:
        return [(["GET"], "/api/users/<int:id>")], ["users"]
    resources = [f"res{i}" for i in range(count // len(RESOURCE_ROUTES))]
    return [(methods, pattern.format(r=r)) for r in resources for methods, pattern in RESOURCE_ROUTES], resources


def paths_for(resources):
    """Paths over the first, middle and last resources: hits, a redirect and misses."""
    picked = sorted({resources[0], resources[len(resources) // 2], resources[-1]})
    paths = []
    for r in picked:
        paths += [f"/api/{r}/", f"/api/{r}/42", f"/api/{r}/42/items/{UUID}", f"/{r}/page/hello-world",
                  f"/{r}/files/css/site/main.css", f"/api/{r}", f"/api/{r}/x/y/z"]
    return paths + ["/", "/nothing/here"]


def time_snasio(module, rules, paths):
    router = module.Router()
    for target, (methods, pattern) in enumerate(rules):
        router.add(methods, pattern, target)
    iterations = 1
    while True:
        start = time.perf_counter()
        ns = module.bench(router, "GET", paths, iterations)
        if time.perf_counter() - start >= TARGET_SECONDS:
            return ns
        iterations *= 4


def time_werkzeug(rules, paths):
    url_map = Map([Rule(p, endpoint=i, methods=m) for i, (m, p) in enumerate(rules)],
                  strict_slashes=True, merge_slashes=False)
    adapter = url_map.bind("localhost")

    def run(iterations):
        for _ in range(iterations):
            for path in paths:
                try:
                    adapter.match(path, "GET")
                except (HTTPException, RequestRedirect):
                    pass

    run(1)  # builds werkzeug's state machine outside the timing
    iterations = 1
    while True:
        start = time.perf_counter_ns()
        run(iterations)
        elapsed = time.perf_counter_ns() - start
        if elapsed >= TARGET_SECONDS * 1e9:
            return elapsed / (iterations * len(paths))
        iterations *= 4


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", metavar="DOC", help="write the table into DOC, between its router markers")
    args = parser.parse_args()
    module = load_module()
    rows = []
    for count in ROUTE_COUNTS:
        rules, resources = rules_for(count)
        paths = paths_for(resources)
        ours = time_snasio(module, rules, paths)
        theirs = time_werkzeug(rules, paths)
        rows.append(f"| {len(rules)} | {ours:,.0f} | {theirs:,.0f} | {theirs / ours:.0f}× |")
        print(rows[-1], flush=True)
    if args.write:
        table = "\n".join(["| routes | snasio ns/match | werkzeug ns/match | werkzeug / snasio |",
                           "| ---: | ---: | ---: | ---: |", *rows])
        doc = pathlib.Path(args.write)
        text = doc.read_text()
        generated = (f"<!-- router:begin -->\nWritten by `just bench` on {datetime.date.today().isoformat()}.\n\n"
                     f"{table}\n<!-- router:end -->")
        doc.write_text(re.sub(r"<!-- router:begin -->.*<!-- router:end -->", lambda _: generated, text, flags=re.S))


if __name__ == "__main__":
    main()
