"""The conformance runner: serves a folder of request/response fixtures
(../shared/conformance/spikard by default) with snasio and judges every
exchange. `just conformance [DIR]`.

It reads every fixture file under DIR (each category folder's *.json but
its schema.json), makes one app of them (generate.py), starts snasio-serve
with it, sends each fixture's request and compares the status, the JSON
body (a problem's "type" by its last path segment) and the headers and
cookies the fixture lists. One line per fixture:

    PASS|FAIL|SKIP category/file: reason

then "N passed, M failed, K skipped".
"""

import argparse
import gzip
import http.client
import json
import os
import pathlib
import re
import select
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import middleware  # noqa: E402
from generate import generate  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DEFAULT_DIR = ROOT.parent / "shared" / "conformance" / "spikard"
# What snasio does not serve at all: a fixture of these is a SKIP that says so.
OUT_OF_SCOPE = {"websocket": "WebSocket is outside snasio's scope (HTTP/1.1 requests and responses only)",
                "sse": "an AsyncAPI event stream fixture is outside this runner's scope",
                "grpc": "gRPC is outside snasio's scope", "graphql": "GraphQL is outside snasio's scope",
                "jsonrpc": "JSON-RPC is outside snasio's scope", "auth": "authentication is outside snasio's scope",
                "openapi": "OpenAPI generation fixtures compare documents, not exchanges"}


def load(directory: pathlib.Path):
    """[(id "category/file", fixture or None, skip reason)] for every fixture file under `directory`."""
    out = []
    for path in sorted(directory.rglob("*.json")):
        if path.name == "schema.json":
            continue
        fid = f"{path.parent.name}/{path.name}"
        try:
            fx = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            out.append((fid, None, f"not a readable JSON fixture: {e}"))
            continue
        if not isinstance(fx, dict) or "request" not in fx or "expected_response" not in fx:
            out.append((fid, None, "not a request/response fixture"))
            continue
        name = path.name
        if name.startswith(("node_", "ruby_", "php_", "wasm_")) or "_node_" in name or "_ruby_" in name:
            out.append((fid, None, "written for another language's binding"))
            continue
        category = path.parent.name
        if category in OUT_OF_SCOPE:
            out.append((fid, None, OUT_OF_SCOPE[category]))
            continue
        reason = unsupported(fx)
        out.append((fid, None if reason else fx, reason))
    return out


def unsupported(fx) -> str:
    """Why a fixture cannot be run here, or ""."""
    h = fx.get("handler")
    if h is None:
        e = fx["expected_response"]
        if "body" not in e and e["status_code"] not in (204, 304) and not e.get("headers"):
            return "no handler, and the expected answer does not say what a route would answer"
        if e["status_code"] == 206:
            return "no handler, and its Content-Range does not fit its body"
        return ""
    unknown = [k for k in h.get("middleware") or {} if k not in middleware.SUPPORTED]
    if unknown:
        return "needs middleware snasio does not have (" + ", ".join(unknown) + ")"
    return ""


def expand(text):
    """"{{ repeat 'x' 2000 times }}" in a fixture's request, expanded."""
    if isinstance(text, str):
        return re.sub(r"\{\{ repeat '(.)' (\d+) times \}\}", lambda m: m[1] * int(m[2]), text)
    if isinstance(text, dict):
        return {k: expand(v) for k, v in text.items()}
    if isinstance(text, list):
        return [expand(v) for v in text]
    return text


def request_bytes(fx, prefix: str) -> tuple[str, str, dict, bytes]:
    """(method, target, headers, body) of a fixture's request, under `prefix`."""
    r = expand(fx["request"])
    path = prefix + r["path"]
    query = r.get("query_string")
    if query is None and r.get("query_params"):
        pairs = []
        for k, v in r["query_params"].items():
            for item in v if isinstance(v, list) else [v]:
                pairs.append((k, json.dumps(item) if isinstance(item, bool) else str(item)))
        query = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
    if query and "?" not in path:
        path += "?" + query
    headers = dict(r.get("headers") or {})
    if r.get("cookies"):
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in r["cookies"].items())
    body = b""
    lower = {k.lower(): k for k in headers}
    if "files" in r or "data" in r or r.get("content_type") == "multipart/form-data" and "body" not in r:
        boundary = "snasio" + uuid.uuid4().hex
        parts = []
        for k, v in (r.get("data") or {}).items():
            for item in v if isinstance(v, list) else [v]:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{item}\r\n'.encode())
        for f in r.get("files") or []:
            data = bytes.fromhex(f["magic_bytes"]) if "magic_bytes" in f else f.get("content", "").encode()
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{f["field_name"]}"; filename="{f["filename"]}"\r\n'
            if f.get("content_type"):
                head += f"Content-Type: {f['content_type']}\r\n"
            for hk, hv in (f.get("headers") or {}).items():
                head += f"{hk}: {hv}\r\n"
            parts.append(head.encode() + b"\r\n" + data + b"\r\n")
        if parts or "files" in r or "data" in r:
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            if "content-type" not in lower:
                headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif "form_data" in r:
        pairs = [(k, item) for k, v in r["form_data"].items() for item in (v if isinstance(v, list) else [v])]
        body = urllib.parse.urlencode(pairs).encode()
        if "content-type" not in lower:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif "body" in r:
        ctype = headers.get(lower.get("content-type", ""), "")
        if isinstance(r["body"], str) and ctype:  # text as sent: XML, or JSON that is malformed on purpose
            body = r["body"].encode()
        else:
            body = json.dumps(r["body"]).encode()
            if "content-type" not in lower:
                headers["Content-Type"] = "application/json"
    return r["method"], path, headers, body


def exchange(host, port, method, target, headers, body):
    conn = http.client.HTTPConnection(host, port, timeout=20)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        r = conn.getresponse()
        data = r.read() if method != "HEAD" else b""
        coding = (r.getheader("Content-Encoding") or "").lower()
        if coding == "gzip":
            data = gzip.decompress(data)
        elif coding == "br":
            import brotli  # Debian's python3-brotli
            data = brotli.decompress(data)
        return r.status, r.getheaders(), data
    finally:
        conn.close()


def judge(fx, status, headers, data) -> str:
    """"" when the answer is the one expected, else what differs."""
    e = fx["expected_response"]
    if status != e["status_code"]:
        return f"status {status}, expected {e['status_code']}: {data[:200]!r}"
    got = {k.lower(): v for k, v in headers}
    for k, v in (e.get("headers") or {}).items():
        if v == "<<absent>>":
            if k.lower() in got:
                return f"header {k} should be absent, is {got[k.lower()]!r}"
        elif v == "<<uuid>>" or ".*" in v:
            pattern = UUID if v == "<<uuid>>" else v
            if not re.fullmatch(pattern, got.get(k.lower(), "")):
                return f"header {k}: {got.get(k.lower())!r}, expected to match {v!r}"
        elif k.lower() == "content-type":
            if got.get("content-type", "").replace(" ", "").lower() != v.replace(" ", "").lower():
                return f"content-type {got.get('content-type')!r}, expected {v!r}"
        elif got.get(k.lower()) != v:
            return f"header {k}: {got.get(k.lower())!r}, expected {v!r}"
    for name, c in (e.get("cookies") or {}).items():
        cookies = [v for k, v in headers if k.lower() == "set-cookie" and v.split("=", 1)[0] == name]
        if not cookies or cookies[0].split(";")[0].split("=", 1)[1].strip('"') != str(c.get("value", "")):
            return f"cookie {name}: {cookies!r}, expected value {c.get('value')!r}"
    expected = e.get("body", None)
    if "validation_errors" in e and "body" not in e:
        got_errors = json.loads(data).get("errors", []) if data else []
        want = [{k: v for k, v in err.items()} for err in e["validation_errors"]]
        trimmed = [{k: v for k, v in err.items() if k in ("type", "loc", "msg")} for err in got_errors]
        return "" if trimmed == want else f"errors {got_errors!r}, expected {want!r}"
    if expected is None:
        return ""
    try:
        body = json.loads(data)
    except ValueError:
        body = data.decode("utf-8", "replace")
    if isinstance(expected, dict) and isinstance(body, dict) and "type" in expected and "type" in body:
        if str(body["type"]).rsplit("/", 1)[-1] != str(expected["type"]).rsplit("/", 1)[-1]:
            return f"problem type {body['type']!r}, expected {expected['type']!r}"
        body, expected = {**body, "type": None}, {**expected, "type": None}
    return "" if matches(body, expected) else f"body {json.dumps(body)[:600]}, expected {json.dumps(expected)[:600]}"


def matches(got, expected) -> bool:
    """Equal, where an expected string holding ".*" is a pattern the value matches whole."""
    if isinstance(expected, str) and ".*" in expected and isinstance(got, str):
        return re.fullmatch(expected, got) is not None
    if isinstance(expected, dict) and isinstance(got, dict):
        return got.keys() == expected.keys() and all(matches(got[k], expected[k]) for k in expected)
    if isinstance(expected, list) and isinstance(got, list):
        return len(got) == len(expected) and all(matches(g, x) for g, x in zip(got, expected))
    return got == expected


def run(directory: pathlib.Path, build: str = "build", out=sys.stdout) -> dict:
    """Runs every fixture under `directory`; {id: (verdict, reason)}. Fixtures
    with app-wide middleware (CORS, compression, static files, hooks, ...) are
    served by an app of their own; the others share one."""
    fixtures = load(directory)
    runnable = [(fid, fx) for fid, fx, _ in fixtures if fx is not None]
    results = {fid: ("SKIP", reason) for fid, fx, reason in fixtures if fx is None}
    groups = {}
    for fid, fx in runnable:
        key = middleware.app_key(fx)
        groups.setdefault(key + (fid if "static_files" in key or "lifecycle_hooks" in key else ""), []).append((fid, fx))
    first = 0
    for group in groups.values():
        serve_group(group, build, first, results)
        first += len(group)
    for fid in sorted(results):
        verdict, reason = results[fid]
        print(f"{verdict} {fid}" + (f": {reason}" if reason else ""), file=out)
    counts = {v: sum(1 for r in results.values() if r[0] == v) for v in ("PASS", "FAIL", "SKIP")}
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped", file=out)
    return results


def serve_group(group, build, first, results):
    """Serves `group`'s fixtures with one app and judges each."""
    with tempfile.TemporaryDirectory(prefix="snasio-conformance-") as where:
        source, prefixes = generate(group, where, first)
        pathlib.Path(where, "fixtures_app.py").write_text(source)
        serve = ROOT / build / "src" / "snasio-serve"
        log = open(pathlib.Path(where, "stderr.log"), "w+")
        proc = subprocess.Popen([str(serve), "--port", "0", "--app-dir", where, "--app", "fixtures_app:app",
                                 "--max-body-bytes", "1048576"], stdout=subprocess.PIPE, stderr=log,
                                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        try:
            ready = select.select([proc.stdout], [], [], 60)[0]
            line = proc.stdout.readline().decode() if ready else ""
            if "listening on http://" not in line:
                log.seek(0)
                raise RuntimeError(f"the fixtures' app did not start:\n{log.read()[-4000:]}")
            host, port = line.rsplit("http://", 1)[1].strip().rsplit(":", 1)
            for fid, fx in group:
                try:
                    reason = run_one(host, int(port), fx, prefixes[fid])
                except (OSError, http.client.HTTPException, ValueError) as e:
                    reason = f"exchange failed: {e!r}"
                results[fid] = ("FAIL", reason) if reason else ("PASS", "")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()


def run_one(host, port, fx, prefix) -> str:
    """One fixture's exchange (after its warm-up requests, and then the state
    its background tasks leave); what differs, or ""."""
    request = request_bytes(fx, prefix)
    limit = middleware.middleware(fx).get("rate_limit") or {}
    for _ in range(int(limit.get("warmup_requests", 0))):
        status, _, data = exchange(host, port, *request)
        if status != limit.get("warmup_expect_status", status):
            return f"warm-up request: status {status}, expected {limit['warmup_expect_status']}: {data[:200]!r}"
        time.sleep(limit.get("sleep_ms_between", 0) / 1000)
    reason = judge(fx, *exchange(host, port, *request))
    background = fx.get("background")
    if reason or not background:
        return reason
    want = {background["state_key"]: background["expected_state"]}
    deadline = time.monotonic() + 5
    while True:  # the background task runs after the answer: its effect shows soon after
        status, _, data = exchange(host, port, "GET", prefix + background["state_path"], {}, b"")
        state = json.loads(data) if status == 200 else None
        if state == want or time.monotonic() > deadline:
            return "" if state == want else f"state {state!r} after the background tasks, expected {want!r}"
        time.sleep(0.05)
def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", nargs="?", default=str(DEFAULT_DIR))
    parser.add_argument("--build", default=os.environ.get("SNASIO_BUILD_DIR", "build"))
    args = parser.parse_args()
    started = time.monotonic()
    results = run(pathlib.Path(args.dir), args.build)
    print(f"({time.monotonic() - started:.1f} s)")
    return 1 if any(v == "FAIL" for v, _ in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
