"""The routes `just bench` measures on snasio."""

import asyncio

from snasio import route


@route("/hello")
def hello(request):
    return {"message": "Hello from Python"}


@route("/async")
async def async_hello(request):
    await asyncio.sleep(0)
    return {"message": "Hello from Python"}
