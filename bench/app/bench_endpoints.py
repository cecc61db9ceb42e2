"""The routes `just bench` measures on snasio (bench/http_bench.py). The peers
in bench/ serve the same routes with the same work per request."""

import asyncio
import time

from snasio import Provide, provide, route


@route("/hello")
def hello(request):
    return {"message": "Hello from Python"}


def greeting():
    return "Hello from Python"


provide("greeting", Provide(greeting))


@route("/hello-dependency")
def hello_dependency(greeting):
    """/hello with its message from a dependency: what the app layer's
    invoker costs (docs/app.md, Costs)."""
    return {"message": greeting}


@route("/users/<int:user_id>")
def user(request):
    return {"id": request.path_params["user_id"], "name": "user"}


@route("/echo", methods=["POST"])
def echo(request):
    return request.body


@route("/async-noawait")
async def async_noawait(request):
    return {"message": "Hello from Python"}


@route("/async")
async def async_hello(request):
    await asyncio.sleep(0)
    return {"message": "Hello from Python"}


@route("/sleep-sync")
def sleep_sync(request):
    """A plain def that waits a second with the GIL released, as a database
    call does: the sync hello case "while 8 handlers sleep" keeps 8 of these
    running (docs/app.md, Which handler runs where)."""
    time.sleep(1)
    return {"slept": True}
