"""Handlers for test_blocking.py: sync handlers that block, hold the GIL or
crash, beside quick ones of every kind."""

import asyncio
import ctypes
import time

from snasio import StreamingResponse, route


@route("/sleep")
def sleep(request):
    """A plain def that waits with the GIL released, as a database call does."""
    time.sleep(float(request.query_params.get("s", "1")))
    return {"slept": True}


@route("/hello")
def hello(request):
    return {"hello": "sync"}


@route("/ahello")
async def ahello(request):
    return {"hello": "async"}


@route("/asleep")
async def asleep(request):
    await asyncio.sleep(float(request.query_params.get("s", "1")))
    return {"slept": True}


@route("/marked", blocking=True)
def marked(request):
    """blocking=True says nothing more: every sync handler may block."""
    time.sleep(0.5)
    return {"marked": True}


@route("/compute")
def compute(request):
    """Holds the GIL: pure Python work for a while."""
    until = time.monotonic() + float(request.query_params.get("s", "0.3"))
    n = 0
    while time.monotonic() < until:
        n += 1
    return {"computed": n > 0}


def _sleep_in_worker(s):
    time.sleep(s)
    return s


@route("/pool-sleep", use_process_pool=True)
def pool_sleep(request, pool):
    return {"slept": pool.submit(_sleep_in_worker, float(request.query_params.get("s", "1"))).result()}


@route("/stream")
def stream(request):
    return StreamingResponse(iter([b"one item"]))


@route("/crash")
def crash(request):
    ctypes.string_at(0)  # a segmentation fault


@route("/acrash")
async def acrash(request):
    ctypes.string_at(0)
