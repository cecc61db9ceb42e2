"""Fault injection at start-up: the allocation that SNASIO_TEST_NOMEMORY_AT
names, counted from the end of this module's import, fails once, while
snasio plans the routes below, reads them into C++ and starts serving."""

import os

import _testcapi
import uvloop  # imported whole before the failure is armed: its module init does not survive one

from snasio import Provide, Router, configure, on_startup, provide, route

provide("greeting", Provide(lambda: "hello", singleton=True))
configure(max_body_bytes=4096)
items = Router(prefix="/items")


@items.route("/<int:item_id>")
def item(item_id: int, greeting):
    return {"id": item_id, "greeting": greeting}


@route("/plain/<name>/<path:rest>", methods=["GET", "POST"])
def plain(request, name, rest):
    return {"name": name, "rest": rest}


@route("/async/<uuid:key>")
async def by_key(request):
    return {"key": str(request.path_params["key"])}


@on_startup
def ready():
    pass


from snasio import include_router  # noqa: E402

include_router(items)
_testcapi.set_nomemory(int(os.environ["SNASIO_TEST_NOMEMORY_AT"]),
                       int(os.environ["SNASIO_TEST_NOMEMORY_AT"]) + 1)
