"""bench/app's routes as a bare ASGI app for uvicorn (uvloop + httptools).

The same work per request as snasio's handlers: the body is encoded with
json.dumps (decoded with json.loads for /echo) every time, nothing is
precomputed. uvicorn adds Date and Server itself."""

import asyncio
import json


def _json(obj):
    body = json.dumps(obj, separators=(",", ":")).encode()
    return body, [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]


async def _read_body(receive):
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    path = scope["path"]
    status = 200
    if path == "/hello":
        obj = {"message": "Hello from Python"}
    elif path.startswith("/users/") and path[7:].isdigit():
        obj = {"id": int(path[7:]), "name": "user"}
    elif path == "/echo" and scope["method"] == "POST":
        obj = json.loads(await _read_body(receive))
    elif path == "/async-noawait":
        obj = {"message": "Hello from Python"}
    elif path == "/async":
        await asyncio.sleep(0)
        obj = {"message": "Hello from Python"}
    else:
        status, obj = 404, {"error": "not found"}
    body, headers = _json(obj)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
