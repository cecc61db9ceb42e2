"""Streaming handlers for test_streaming.py. Each generator notes when its
finally block ran, for /closed to tell."""

import asyncio
import os
import tempfile
import time

from snasio import FileResponse, ServerSentEvents, StreamingResponse, route

closed = {}  # generator name -> time.monotonic() when its finally ran


@route("/closed/<name>")
def was_closed(request, name):
    return {"at": closed.get(name), "now": time.monotonic()}


@route("/slow-sync")
def slow_sync(request):
    def items():
        try:
            for i in range(int(request.query_params.get("n", "4"))):
                yield f"item {i}\n"
                time.sleep(float(request.query_params.get("s", "0.3")))
        finally:
            closed["slow-sync"] = time.monotonic()
    return items()


@route("/slow-async")
async def slow_async(request):
    async def items():
        try:
            for i in range(int(request.query_params.get("n", "4"))):
                yield f"item {i}\n".encode()
                await asyncio.sleep(float(request.query_params.get("s", "0.3")))
        finally:
            closed["slow-async"] = time.monotonic()
    return StreamingResponse(items(), content_type="text/plain", headers={"X-Stream": "yes"})


@route("/big")
def big(request):
    piece = b"x" * 65536

    def items():
        try:
            while True:
                yield piece
        finally:
            closed["big"] = time.monotonic()
    return items()


@route("/fails")
def fails(request):
    def items():
        yield "fine so far\n"
        raise RuntimeError("the generator failed mid-stream")
    return items()


@route("/not-bytes")
async def not_bytes(request):
    async def items():
        yield "text\n"
        yield 42
    return items()


@route("/head-only", methods=["GET"])
def head_only(request):
    def items():
        closed["head-only-started"] = time.monotonic()
        yield "never for HEAD"
    return items()


@route("/events")
def events(request):
    async def stream():
        try:
            yield {"event": "greeting", "id": "1", "data": "hello\nworld"}
            yield {"data": {"n": 2}, "retry": 5000}
            await asyncio.sleep(float(request.query_params.get("wait", "0.7")))
            yield "last"
            if request.query_params.get("forever"):
                while True:
                    await asyncio.sleep(0.1)
                    yield "tick"
        finally:
            closed["events"] = time.monotonic()
    return ServerSentEvents(stream(), ping=float(request.query_params.get("ping", "0.25")))


@route("/file")
def file(request):
    path = os.path.join(tempfile.gettempdir(), f"snasio-payload-{os.getpid()}.bin")
    if not os.path.exists(path):
        with open(path + ".tmp", "wb") as f:
            f.write(bytes(range(256)) * 1024 + b"tail")  # 262,148 bytes
        os.replace(path + ".tmp", path)
    name = request.query_params.get("name")
    return FileResponse(path, filename=name) if name else FileResponse(path)


@route("/missing-file")
def missing_file(request):
    return FileResponse("/nonexistent/snasio/file.txt")


@route("/not-a-file")
def not_a_file(request):
    return FileResponse(tempfile.gettempdir())


@route("/bad-path")
def bad_path(request):
    return FileResponse("nul\0in the name")


@route("/bad-head")
def bad_head(request):
    def items():
        closed["bad-head-started"] = time.monotonic()
        yield "never"
    return StreamingResponse(items(), headers={"Bad Header": "x"})


@route("/shrinking")
def shrinking(request):
    """A 4 MiB file that /shrink cuts short while it is being sent."""
    path = os.path.join(tempfile.gettempdir(), f"snasio-shrinking-{os.getpid()}.bin")
    with open(path, "wb") as f:
        f.write(b"s" * (4 << 20))
    return FileResponse(path)


@route("/shrink")
def shrink(request):
    os.truncate(os.path.join(tempfile.gettempdir(), f"snasio-shrinking-{os.getpid()}.bin"), 1000)
    return None
