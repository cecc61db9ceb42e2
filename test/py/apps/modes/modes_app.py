"""Handlers of every execution mode, for test_execution_modes.py."""

import asyncio
import os
import threading
import time

import modes_work

from snasio import HTTPError, Request, route

# What the cancellation test reads back: key -> what happened to its handler.
_events = {}


def _seconds(request: Request, default: str = "0") -> float:
    return float(request.query_params.get("s", default))


# -- one route per mode, each answering with a different function of n --------

@route("/sync/<int:n>")
def sync_calc(request: Request) -> dict:
    return {"mode": "sync", "n": request.path_params["n"], "result": request.path_params["n"] * 2}


@route("/async/<int:n>")
async def async_calc(request: Request) -> dict:
    await asyncio.sleep(_seconds(request))
    return {"mode": "async", "n": request.path_params["n"], "result": request.path_params["n"] * 3}


@route("/blocking/<int:n>", blocking=True)
def blocking_calc(request: Request) -> dict:
    time.sleep(_seconds(request))
    return {"mode": "blocking", "n": request.path_params["n"], "result": request.path_params["n"] + 1,
            "thread": threading.current_thread().name}


@route("/pool/<int:n>", use_process_pool=True)
def pool_calc(request: Request, pool) -> dict:
    n = request.path_params["n"]
    return {"mode": "pool", "n": n, "result": pool.submit(modes_work.cube, n).result()}


@route("/pool-async/<int:n>", use_process_pool=True)
async def pool_async_calc(request: Request, pool) -> dict:
    n = request.path_params["n"]
    return {"mode": "pool-async", "n": n, "result": await asyncio.wrap_future(pool.submit(modes_work.cube, n))}


# -- plain sleeps ---------------------------------------------------------------

@route("/async-sleep")
async def async_sleep(request: Request) -> dict:
    await asyncio.sleep(_seconds(request, "1"))
    return {"slept": True, "i": request.query_params.get("i")}


@route("/blocking-sleep", blocking=True)
def blocking_sleep(request: Request) -> dict:
    time.sleep(_seconds(request, "1"))
    return {"slept": True, "thread": threading.current_thread().name}


# -- cancellation ---------------------------------------------------------------

@route("/wait/<key>")
async def wait(request: Request) -> dict:
    key = request.path_params["key"]
    _events[key] = {"started": time.monotonic()}
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        _events[key]["cancelled"] = time.monotonic()
        raise
    _events[key]["finished"] = time.monotonic()
    return {"finished": True}


@route("/events/<key>")
def events(request: Request) -> dict:
    key = request.path_params["key"]
    if key not in _events:
        raise HTTPError(404, f"no handler ran for {key!r}")
    e = _events[key]
    return {"started": True, "cancelled": "cancelled" in e, "finished": "finished" in e,
            "after": e.get("cancelled", time.monotonic()) - e["started"]}


# -- the process pool itself ------------------------------------------------------

@route("/pool-info", use_process_pool=True)
def pool_info(request: Request, pool) -> dict:
    return pool.submit(modes_work.info).result()


@route("/pool-pids", use_process_pool=True)
def pool_pids(request: Request, pool) -> dict:
    """Keeps every worker busy at once, so each reports its pid."""
    n = int(request.query_params.get("n", "2"))
    futures = [pool.submit(modes_work.nap, 0.3) for _ in range(n)]
    return {"pids": sorted({f.result() for f in futures}), "server": os.getpid()}


@route("/pool-exit", use_process_pool=True)
def pool_exit(request: Request, pool) -> dict:
    pool.submit(modes_work.exit_now).result()
    return {"survived": True}


@route("/pool-segfault", use_process_pool=True)
async def pool_segfault(request: Request, pool) -> dict:
    await asyncio.wrap_future(pool.submit(modes_work.segfault))
    return {"survived": True}


@route("/pool-pids-async", use_process_pool=True)
async def pool_pids_async(request: Request, pool) -> dict:
    """/pool-pids, awaiting the workers from the event loop."""
    n = int(request.query_params.get("n", "2"))
    pids = await asyncio.gather(*(asyncio.wrap_future(pool.submit(modes_work.nap, 0.3)) for _ in range(n)))
    return {"pids": sorted(set(pids)), "server": os.getpid()}
