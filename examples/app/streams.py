"""Streamed answers: sent as they are made, never whole in memory.

A handler that returns a generator streams it, each item (bytes or str) sent
as it is produced: a sync generator's items are made on the blocking threads,
so it may block between them; an async generator's on the event loop. The
server asks for the next item only when the client has taken the last ones
(at most --stream-buffer-bytes wait per stream), and closes the generator
when the client leaves, so its finally blocks run.
"""

import asyncio
import datetime
import pathlib
import time

from snasio import FileResponse, HTTPError, Request, ServerSentEvents, route


@route("/countdown/<int:n>")
def countdown(request: Request, n: int):
    """GET /countdown/3 → "3\\n2\\n1\\nliftoff\\n", a line every 0.2 s, as a
    language model streams its tokens."""
    if not 0 <= n <= 50:
        raise HTTPError(400, "n is between 0 and 50")
    for i in range(n, 0, -1):
        yield f"{i}\n"
        time.sleep(0.2)  # blocking is fine here: this runs on a blocking thread
    yield "liftoff\n"


@route("/clock")
def clock(request: Request) -> ServerSentEvents:
    """GET /clock[?n=5] → server-sent events, the time once a second (n of
    them; forever without n). Try: curl -N localhost:8000/clock"""
    count = int(request.query_params.get("n", "0"))
    every = float(request.query_params.get("every", "1"))

    async def ticks():
        i = 0
        while count == 0 or i < count:
            i += 1
            yield {"event": "tick", "id": str(i), "data": {"time": datetime.datetime.now().isoformat()}}
            await asyncio.sleep(every)

    return ServerSentEvents(ticks(), ping=15)


@route("/download/streams.py")
def download(request: Request) -> FileResponse:
    """GET /download/streams.py → this file, as a download (Range and
    If-Modified-Since work too)."""
    return FileResponse(pathlib.Path(__file__), filename="streams.py")
