"""The app behind nginx in test_deploy.py: who the handler thinks the client
is, and which process answered."""

import asyncio
import os

from snasio import route


@route("/who")
async def who(request):
    await asyncio.sleep(0.02)  # long enough to be in flight when a worker is killed
    return {"client": request.client[0], "scheme": request.scheme, "pid": os.getpid()}


@route("/echo", methods=["POST"])
async def echo(request):
    await asyncio.sleep(0.02)
    return {"echo": request.body}
