"""The routes `just bench` measures on snasio (bench/http_bench.py). The peers
in bench/ serve the same routes with the same work per request."""

import asyncio
import dataclasses
import time
from typing import Annotated

from snasio import Provide, Query, provide, route


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


# -- typed handlers: the same work, declared by annotation --------------------------

@dataclasses.dataclass
class Item:
    id: int
    name: str
    tags: list[str]
    price: float


@dataclasses.dataclass
class Order:
    items: list[Item]
    total: int


@route("/typed/users/{user_id}")
def typed_user(user_id: int, q: Annotated[str, Query(max_length=20)] = ""):
    """/users/<int:id> with its id checked and converted on the reactor; a
    non-integer id is the 422 case, answered there without Python."""
    return {"id": user_id, "name": "user"}


@route("/typed/echo", methods=["POST"])
def typed_echo(order: Order):
    """The JSON echo's body as a dataclass: checked on the reactor, built as
    an Order of Items, written back to JSON."""
    return order
