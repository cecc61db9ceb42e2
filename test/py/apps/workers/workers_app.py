"""Handlers for test_workers.py: which process answered, a crash, a slow one."""

import asyncio
import os

from snasio import route


@route("/pid")
async def pid(request):
    await asyncio.sleep(float(request.query_params.get("s", "0")))
    return {"pid": os.getpid()}


@route("/crash")
def crash(request):
    os._exit(7)
