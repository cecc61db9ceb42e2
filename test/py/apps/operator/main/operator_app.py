"""Handlers for test_operator.py: every kind that can be left running at
shutdown, a print(), an HTTPError of any status."""

import asyncio
import os
import time

from snasio import HTTPError, route

import operator_work

# The import itself leaves a mark, so a test can tell whether start-up got
# as far as importing the app.
if os.environ.get("SNASIO_TEST_IMPORT_MARK"):
    with open(os.environ["SNASIO_TEST_IMPORT_MARK"], "w") as f:
        f.write("imported")


def _seconds(request, default="1"):
    return float(request.query_params.get("s", default))


@route("/quick/<int:n>")
def quick(request):
    return {"n": request.path_params["n"]}


@route("/stuck-sync")
def stuck_sync(request):
    time.sleep(_seconds(request))  # holds the GIL thread (and time.sleep releases the GIL)
    return {"slept": True}


@route("/sleep-async")
async def sleep_async(request):
    await asyncio.sleep(_seconds(request))
    return {"slept": True}


@route("/sleep-blocking", blocking=True)
def sleep_blocking(request):
    time.sleep(_seconds(request))
    return {"slept": True}


@route("/sleep-pool", use_process_pool=True)
def sleep_pool(request, pool):
    return {"slept": pool.submit(operator_work.nap, _seconds(request)).result()}


@route("/sleep-pool-async", use_process_pool=True)
async def sleep_pool_async(request, pool):
    return {"slept": await asyncio.wrap_future(pool.submit(operator_work.nap, _seconds(request)))}


@route("/print/<marker>")
def print_marker(request):
    print(request.path_params["marker"])
    return {"printed": True}


@route("/http-error/<int(signed=True):status>")
def http_error(request):
    raise HTTPError(request.path_params["status"], "as asked")


@route("/broken-pipe")
def broken_pipe(request):
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        os.write(write_end, b"to nobody")
    except BrokenPipeError:
        return {"error": "EPIPE"}
    finally:
        os.close(write_end)
    return {"error": None}
