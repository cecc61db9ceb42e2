"""Every way a handler's parameters are filled, annotations read at once."""

import asyncio
import uuid

from snasio import Request, route


def _seen(**values):
    """What a handler received: each value with its type's name."""
    return {name: [value if isinstance(value, (int, float, str)) else str(value), type(value).__name__]
            for name, value in values.items()}


@route("/sig/plain")
def plain(request):
    return _seen(request=request.path)


@route("/sig/users/<int:user_id>")
def user(user_id: int):
    return _seen(user_id=user_id)


@route("/sig/both/<int:user_id>")
def both(request: Request, user_id: int):
    return _seen(user_id=user_id, path=request.path)


@route("/sig/other-name/<name>")
def other_name(name: str, req: Request):
    return _seen(name=name, req=type(req).__name__)


@route("/sig/gap/<name>")
def gap(name: str, flag: bool = True, req: Request = None):
    return _seen(name=name, flag=flag, req=req.path)


@route("/sig/defaults/<int:n>")
def defaults(n: int, limit: int = 10, label="none"):
    return _seen(n=n, limit=limit, label=label)


@route("/sig/nothing")
def nothing():
    return _seen()


@route("/sig/keyword-only/<float:x>")
def keyword_only(*, x: float, request):
    return _seen(x=x, method=request.method)


@route("/sig/converters/<uuid:id>/<path:rest>")
def converters(rest, id):
    return _seen(id=id, rest=rest)


@route("/sig/async/<int:user_id>")
async def in_a_task(user_id: int, request):
    await asyncio.sleep(0)
    return _seen(user_id=user_id, path=request.path)


@route("/sig/blocking/<int:user_id>", blocking=True)
def blocking(user_id: int):
    return _seen(user_id=user_id)


@route("/sig/blocking-gap/<int:user_id>", blocking=True)
def blocking_gap(user_id: int, unused: int = 3, request=None):
    return _seen(user_id=user_id, unused=unused, path=request.path)


def _square(n):
    return n * n


@route("/sig/pool/<int:n>", use_process_pool=True)
def pool_sync(pool, n: int):
    return _seen(square=pool.submit(_square, n).result())


@route("/sig/pool-async/<int:n>", use_process_pool=True)
async def pool_async(n: int, pool):
    square = await asyncio.get_running_loop().run_in_executor(pool, _square, n)
    return _seen(square=square)


@route("/sig/pool-without-pool/<int:n>", use_process_pool=True)
def pool_without_pool(n: int):
    return _seen(n=n)


@route("/sig/uuid-type/<uuid:id>")
def uuid_type(id: uuid.UUID):
    return _seen(id=id)


@route("/sig/positional-only/<int:n>")
def positional_only(request, n: int, /, extra: int = 1):
    return _seen(n=n, extra=extra, path=request.path)
