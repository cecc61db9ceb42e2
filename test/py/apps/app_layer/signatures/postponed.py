"""The same forms with postponed annotations: every annotation is a string,
read with typing.get_type_hints."""

from __future__ import annotations

import asyncio

from snasio import Provide, Request, provide, route


class Clock:
    """A dependency known only by a string annotation here."""

    def now(self) -> str:
        return "tick"


provide(Clock, Provide(Clock))


@route("/post/users/<int:user_id>")
def user(user_id: int):
    return {"user_id": user_id, "type": type(user_id).__name__}


@route("/post/other-name/<name>")
def other_name(name: str, req: Request):
    return {"name": name, "req": type(req).__name__}


@route("/post/clock/<int:n>")
async def clock(n: int, c: Clock, r: Request):
    await asyncio.sleep(0)
    return {"n": n, "clock": c.now(), "path": r.path}
