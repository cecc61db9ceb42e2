"""The typed routes `just bench` measures (bench/http_bench.py): the work of
bench_endpoints.py's /users/<int:id> and /echo, declared by annotation. A
module of their own, since the earlier build `just bench` compares with
(--baseline) has no typed handlers: it imports bench_endpoints only."""

import dataclasses
from typing import Annotated

from snasio import Query, route


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


@route("/typed-users/{user_id}")
def typed_user(user_id: int, q: Annotated[str, Query(max_length=20)] = ""):
    """/users/<int:id> with its id checked and converted on the reactor; a
    non-integer id is the 422 case, answered there without Python."""
    return {"id": user_id, "name": "user"}


@route("/typed/echo", methods=["POST"])
def typed_echo(order: Order):
    """The JSON echo's body as a dataclass: checked on the reactor, built as
    an Order of Items, written back to JSON."""
    return order
