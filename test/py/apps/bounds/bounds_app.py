"""Handlers for test_bounds.py: a file, a large answer, a small one, and
a request echoed with its trailers."""

import os
import tempfile

from snasio import FileResponse, Response, route

FILE = os.path.join(tempfile.gettempdir(), f"snasio-bounds-{os.getpid()}.txt")
with open(FILE, "wb") as f:
    f.write(b"0123456789" * 100)

MEGABYTE = b"m" * 1_000_000


@route("/file")
def file(request):
    return FileResponse(FILE)


@route("/megabyte")
def megabyte(request):
    return Response(MEGABYTE, content_type="application/octet-stream")


@route("/small")
def small(request):
    return {"small": True}


@route("/echo", methods=["POST"])
def echo(request):
    body = request.body
    return {"host": request.headers.getlist("host"), "content_type": request.headers.get("content-type"),
            "body_type": type(body).__name__, "client": list(request.client), "request_id": request.request_id,
            "trailers": list(request.trailers.items())}
