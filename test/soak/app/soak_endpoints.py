"""Routes the bridge soak test drives: every path through the GIL thread."""

import asyncio
import dataclasses
import datetime
import os
import tempfile
import time
from typing import Annotated

import snasio
from snasio import (Field, FileResponse, HTTPError, Provide, Query, Response, ServerSentEvents, provide, redirect,
                    route)

import soak_work

_cancelled = 0
_cancelled_yielding = 0
_resources = {"opened": 0, "closed": 0}
_streams = {"streams_started": 0, "streams_closed": 0}  # every generator started must be closed


def resource():
    """A dependency with a clean-up: every one opened must be closed, whether
    its handler answered or was cancelled because its client left (then the
    cancellation is raised at the `yield`: `finally` runs)."""
    _resources["opened"] += 1
    try:
        yield "resource"
    finally:
        _resources["closed"] += 1


provide("resource", Provide(resource))


@route("/echo", methods=["POST"])
def echo(request):
    return {"v": request.body}


@route("/async/<int:ms>")
async def nap(request):
    await asyncio.sleep(request.path_params["ms"] / 1000)
    return {"ms": request.path_params["ms"]}


@route("/hang")
async def hang(resource):
    global _cancelled
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        _cancelled += 1
        raise
    return {}


@route("/yields/<int:n>")
async def yields(request):
    # Bare yields only: the server parks and steps it, with no Task.
    for _ in range(request.path_params["n"]):
        await asyncio.sleep(0)
    return {"n": request.path_params["n"]}


@route("/hang-yielding")
async def hang_yielding(request):
    # Parked again and again until its client leaves: then cancelled.
    global _cancelled_yielding
    try:
        while True:
            await asyncio.sleep(0)
    except asyncio.CancelledError:
        _cancelled_yielding += 1
        raise


@route("/blocking/<int:ms>", blocking=True)
def blocking(request):
    time.sleep(request.path_params["ms"] / 1000)
    return b"slept"


@route("/sleep/<int:ms>")
def sleep(request):
    """A plain def that blocks (no blocking=True): it runs on the sync threads."""
    time.sleep(request.path_params["ms"] / 1000)
    return b"slept"


@route("/fail/<int:status>")
def fail(request):
    status = request.path_params["status"]
    if status == 500:
        raise RuntimeError("soak: deliberate failure")
    raise HTTPError(status, "deliberate")


@route("/text")
def text(request):
    return Response("t" * int(request.query_params.get("n", "10")), headers={"X-Soak": "1"})


@route("/deps/<int:n>")
def with_dependency(n: int, resource):
    return {"n": n, "dependency": resource}


@route("/stats")
def stats(request):
    return {"cancelled": _cancelled, "cancelled_yielding": _cancelled_yielding, **_resources, **_streams}


PIECE = b"0123456789abcdef" * 64  # 1 KiB


@route("/stream/<int:n>")
def stream(request):
    """n pieces of 1 KiB from a sync generator (made on the blocking threads)."""
    def pieces():
        _streams["streams_started"] += 1
        try:
            for _ in range(request.path_params["n"]):
                yield PIECE
        finally:
            _streams["streams_closed"] += 1
    return pieces()


@route("/astream/<int:n>")
async def astream(request):
    """n pieces of 1 KiB from an async generator that awaits between them."""
    async def pieces():
        _streams["streams_started"] += 1
        try:
            for i in range(request.path_params["n"]):
                if i % 8 == 0:
                    await asyncio.sleep(0.001)
                yield PIECE
        finally:
            _streams["streams_closed"] += 1
    return pieces()


@route("/events/<int:n>")
def events(request):
    async def stream_of_events():
        _streams["streams_started"] += 1
        try:
            for i in range(request.path_params["n"]):
                await asyncio.sleep(0.002)
                yield {"id": str(i), "data": {"i": i}}
        finally:
            _streams["streams_closed"] += 1
    return ServerSentEvents(stream_of_events(), ping=0.5)


@route("/big/<int:kb>")
def big(request):
    """A response large enough that a slow reader holds the connection."""
    return b"b" * (request.path_params["kb"] * 1024)


FILE = os.path.join(tempfile.gettempdir(), f"snasio-soak-{os.getpid()}.txt")
with open(FILE, "wb") as f:
    f.write(bytes(range(256)) * 16)  # 4,096 bytes


# The middleware, natively: a static mount (a small file and one large enough
# to be pumped in pieces), CORS and compression.
STATIC = tempfile.mkdtemp(prefix="snasio-soak-static-")
with open(os.path.join(STATIC, "small.txt"), "wb") as f:
    f.write(bytes(range(256)) * 16)
with open(os.path.join(STATIC, "large.bin"), "wb") as f:
    f.write(bytes(range(256)) * 2048)  # 512 KiB
snasio.static("/static", STATIC)
snasio.cors(allow_origins=["https://soak.example"], allow_headers=["Content-Type"])
snasio.compression(min_size=256)


@route("/file")
def file(request):
    """A file, sent whole, in part, or not at all (304, 416), whatever
    Range and If-Modified-Since say, well formed or not."""
    return FileResponse(FILE)


@route("/pool/<int:n>", use_process_pool=True)
def pool_square(request, pool):
    return {"square": pool.submit(soak_work.square, request.path_params["n"]).result()}


@route("/pool-async/<int:n>", use_process_pool=True)
async def pool_async_square(request, pool):
    return {"square": await asyncio.wrap_future(pool.submit(soak_work.square, request.path_params["n"]))}


@route("/stall/<int:ms>")
def stall(request):
    """A sync handler that holds the GIL thread: behind it the queue fills."""
    time.sleep(request.path_params["ms"] / 1000)
    return {"stalled": request.path_params["ms"]}


@route("/form", methods=["POST"])
def form(request):
    """Fields, files and cookies back as they came, with a cookie set and,
    when asked, a redirect."""
    answer = {"form": request.form, "cookies": request.cookies,
              "files": {name: [f.filename, f.data.hex()] for name, f in request.files.items()}}
    response = redirect("/done", status=303) if "redirect" in request.form else Response(answer)
    response.set_cookie("seen", str(len(request.raw_body)), httponly=True)
    return response


@dataclasses.dataclass
class Order:
    item: Annotated[str, Field(max_length=20)]
    qty: Annotated[int, Field(ge=1, le=100)]
    tags: list[str] = dataclasses.field(default_factory=list)


@route("/typed/{n}", methods=["POST"])
def typed(n: int, order: Order, note: Annotated[str, Query(max_length=10)] = ""):
    """A typed route: checked on the reactor (a refusal never gets here),
    the body made an Order, a datetime in the answer."""
    return {"n": n, "order": order, "note": note, "at": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)}
