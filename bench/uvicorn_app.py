"""The same two routes as bench/app, as a bare ASGI app for uvicorn."""

import asyncio
import json

BODY = json.dumps({"message": "Hello from Python"}, separators=(",", ":")).encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["path"] == "/async":
        await asyncio.sleep(0)
    elif scope["path"] != "/hello":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
