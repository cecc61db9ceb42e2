"""The middleware test app: CORS, compression, static files, rate limits,
timeouts, hooks and background tasks (test/py/test_middleware.py)."""

import asyncio
import os
import time

import snasio
from snasio import BackgroundTasks, FileResponse, Response, ServerSentEvents, StreamingResponse

SITE = os.environ["SNASIO_TEST_SITE"]
app = snasio.App()
app.cors(allow_origins=["https://app.example"], allow_headers=["Content-Type", "X-Custom"],
         expose_headers=["X-Total"], max_age=120)
app.compression(min_size=200)
app.static("/public", SITE, cache_control="public, max-age=60")
state = {"cancelled": 0, "events": []}


@app.get("/json")
def json_answer():
    return {"items": [{"id": i, "name": "item"} for i in range(40)]}


@app.get("/small")
def small():
    return {"ok": True}


@app.get("/png")
def png():
    return Response(b"\x89PNG" + b"\0" * 1000, content_type="image/png")


@app.get("/encoded")
def encoded():
    return Response(b"x" * 1000, content_type="text/plain", headers={"Content-Encoding": "identity-by-app"})


@app.get("/tagged")
def tagged():
    return Response("tagged " * 100, content_type="text/plain", headers={"ETag": '"v1"', "X-Kept": "yes"})


@app.get("/fail")
def fail():
    raise RuntimeError("the handler fails")


@app.get("/typed/{n}")
def typed(n: int):
    return {"n": n}


@app.get("/stream")
async def stream():
    async def pieces():
        for i in range(3):
            yield ("piece %d " % i) * 40
            await asyncio.sleep(0.3)
    return StreamingResponse(pieces(), content_type="text/plain")


@app.get("/sse")
async def sse():
    async def gen():
        yield {"data": "x" * 300}
    return ServerSentEvents(gen())


@app.get("/download/{name:path}")
def download(name: str):
    return FileResponse(name, root=SITE)


@app.get("/limited", rate_limit=(1, 2))
def limited():
    return {"ok": True}


@app.get("/slow", timeout=0.3)
async def slow():
    try:
        await asyncio.sleep(5)
    except asyncio.CancelledError:
        state["cancelled"] += 1
        raise
    return {"late": True}


@app.get("/slow-sync", timeout=0.3)
def slow_sync():
    time.sleep(0.8)
    return {"late": True}


@app.get("/cancelled")
def cancelled():
    return {"cancelled": state["cancelled"]}


@app.post("/background/{name}")
def record(name: str, tasks: BackgroundTasks):
    async def later():
        await asyncio.sleep(0.1)
        state["events"].append(name)
    tasks.add_task(later)
    tasks.add_task(lambda: (_ for _ in ()).throw(ValueError("a background task fails")))
    tasks.add_task(state["events"].append, name + " (sync)")
    return Response({"accepted": name}, status=202)


@app.get("/background")
def recorded():
    return {"events": state["events"]}


order = []


@app.on_request
def on_request(request):
    order.clear()
    order.append("on_request")
    if request.headers.get("x-stop") == "on_request":
        return Response({"stopped": "on_request"}, status=401)


@app.pre_validation
def pre_validation(request):
    order.append("pre_validation")
    if request.headers.get("x-stop") == "pre_validation":
        return Response({"error": "Rate limit exceeded"}, status=429, headers={"Retry-After": "60"})


@app.pre_handler
def pre_handler(request):
    order.append("pre_handler")
    if request.headers.get("x-stop") == "pre_handler":
        return Response({"error": "Forbidden"}, status=403)


@app.get("/order")
def hook_order():
    return {"order": order + ["handler"]}


@app.on_response
def on_response(request, response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@app.on_error
def on_error(request, exc):
    if getattr(exc, "status", None) == 404:
        return Response({"error": "no such page", "path": request.path}, status=404)
    return None
