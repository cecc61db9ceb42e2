"""Handlers of every kind, for the shutdown property test."""

import asyncio
import time

from snasio import route

import shutdown_work


@route("/sync/<int:ms>")
def sync(request):
    return {"kind": "sync", "ms": request.path_params["ms"]}


@route("/async/<int:ms>")
async def async_sleep(request):
    await asyncio.sleep(request.path_params["ms"] / 1000)
    return {"kind": "async", "ms": request.path_params["ms"]}


@route("/blocking/<int:ms>", blocking=True)
def blocking(request):
    time.sleep(request.path_params["ms"] / 1000)
    return {"kind": "blocking", "ms": request.path_params["ms"]}


@route("/pool/<int:ms>", use_process_pool=True)
def pool(request, pool):
    pid = pool.submit(shutdown_work.nap, request.path_params["ms"]).result()
    return {"kind": "pool", "ms": request.path_params["ms"], "pid": pid}
