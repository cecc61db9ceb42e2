"""Lifecycle and request hooks, each kind twice (one sync, one async), with a
trace of what ran for each request in the X-Trace header."""

import asyncio
import os

from snasio import (HTTPError, Provide, Request, Response, on_error, on_request, on_response, on_shutdown,
                    on_startup, pre_handler, provide, route)

STATE = {"startup": [], "loops": set()}
_traces = {}   # id(request) -> what ran for it


def _trace(request, what):
    _traces.setdefault(id(request), []).append(what)


def _log(line):
    path = os.environ.get("SNASIO_TEST_EVENTS")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


@on_startup
def startup_sync():
    STATE["startup"].append("sync")


@on_startup
async def startup_async():
    await asyncio.sleep(0)
    STATE["startup"].append("async")
    STATE["loops"].add(id(asyncio.get_running_loop()))


@on_shutdown
async def shutdown_async():
    await asyncio.sleep(0)
    _log("shutdown hook (async)")


@on_shutdown
def failing_shutdown():
    raise RuntimeError("this shutdown hook fails; the next still runs")


@on_shutdown
def shutdown_sync():
    _log("shutdown hook (sync)")


@on_request
def first_on_request(request):
    _trace(request, "on_request 1")
    if request.query_params.get("stop") == "on_request":
        return {"stopped_by": "on_request"}, 403
    return None


@on_request
async def second_on_request(request):
    await asyncio.sleep(0)
    STATE["loops"].add(id(asyncio.get_running_loop()))
    _trace(request, "on_request 2")
    return None


def dependency(request: Request):
    _trace(request, "dependency")
    return "dep"


provide("dep", Provide(dependency))


@pre_handler
async def check(request):
    _trace(request, "pre_handler")
    if request.query_params.get("stop") == "pre_handler":
        return Response("pre_handler says no", status=409)
    return None


@on_error
def first_on_error(request, exc):
    _trace(request, "on_error 1")
    if isinstance(exc, KeyError):
        return {"handled": "KeyError", "key": exc.args[0]}, 422
    return None


@on_error
async def second_on_error(request, exc):
    _trace(request, "on_error 2")
    if isinstance(exc, LookupError):
        return Response(b"lookup failed", status=410, content_type="text/x-lookup")
    return None


@on_response
def first_on_response(request, response):
    _trace(request, "on_response 1")
    response.headers["X-Hooked"] = str(response.status)
    if request.path == "/hooks/replace":
        return Response({"replaced": True, "was": response.status}, status=202)
    return None


@on_response
async def second_on_response(request, response):
    _trace(request, "on_response 2")
    response.headers["X-Trace"] = ",".join(_traces.pop(id(request), []))
    return response


@route("/hooks/ok")
def ok(request, dep):
    _trace(request, "handler")
    return {"dep": dep}


@route("/hooks/async/<int:n>")
async def in_a_task(n: int, request: Request):
    _trace(request, "handler")
    STATE["loops"].add(id(asyncio.get_running_loop()))
    return {"n": n}


@route("/hooks/blocking", blocking=True)
def blocking(request):
    _trace(request, "handler")
    return "from a thread"


@route("/hooks/key-error")
def key_error(request):
    _trace(request, "handler")
    raise KeyError("missing")


@route("/hooks/index-error")
def index_error(request):
    raise IndexError("out of range")


@route("/hooks/crash")
def crash(request):
    raise RuntimeError("nobody handles this")


@route("/hooks/http-error")
def http_error(request):
    raise HTTPError(418, "short and stout", headers={"X-Pot": "tea"})


@route("/hooks/headers/<kind>")
def headers(kind):
    if kind == "none":
        return Response("no headers")
    if kind == "dict":
        return Response("a dict", headers={"X-Given": "dict"})
    if kind == "pairs":
        return Response("pairs", headers=[("X-Given", "a"), ("X-Given", "b")])
    return "plain", 201, {"X-Given": "tuple"}


@route("/hooks/replace")
def replace():
    return "original"


def resource():
    _log("resource made")
    yield "a resource"
    _log("resource closed")


provide("resource", Provide(resource, singleton=True))


@route("/hooks/slow")
async def slow(resource):
    await asyncio.sleep(0.5)
    _log("slow request done")
    return {"resource": resource}


@route("/hooks/state")
def state():
    return {"startup": STATE["startup"], "loops": len(STATE["loops"])}
