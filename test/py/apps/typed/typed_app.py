"""An App with typed handlers, for test_typed.py: parameters from every
source, bodies as dataclasses, TypedDicts and pydantic models, typed
returns, the explicit schema form, hooks and dependencies beside them."""

import dataclasses
import datetime
import decimal
import enum
import time
import uuid
from typing import Annotated, Literal, Optional, TypedDict

import pydantic

from snasio import (App, Body, Cookie, Field, File, Form, Header, HTTPError, Path, Provide, Query, Request,
                    UploadedFile)

app = App()
CALLS = {"handler": 0}


class Color(enum.Enum):
    red = "red"
    blue = "blue"


@dataclasses.dataclass
class Address:
    city: Annotated[str, Field(min_length=2)]
    zip: str


@dataclasses.dataclass
class User:
    name: Annotated[str, Field(max_length=20)]
    age: Annotated[int, Field(ge=0)]
    email: Annotated[str, Field(format="email")]
    address: Address
    tags: list[str] = dataclasses.field(default_factory=list)
    joined: Optional[datetime.date] = None


class Point(TypedDict):
    x: float
    y: float


class Product(pydantic.BaseModel):
    name: str
    price: float


app.provide("db", Provide(lambda: "the database"))


@app.get("/search")
def search(q: int = 1):
    CALLS["handler"] += 1
    return {"q": q}


@app.get("/users/{user_id}")
def user(user_id: int, q: Annotated[str, Query(max_length=20)] = ""):
    return {"user_id": user_id, "q": q, "types": [type(user_id).__name__, type(q).__name__]}


@app.get("/ratio")
def ratio(r: Annotated[Optional[float], Query()] = None):
    return {"r": r, "type": type(r).__name__}


@app.get("/items/{item_id}/scalars")
def scalars(item_id: uuid.UUID, color: Color, when: datetime.date, at: datetime.datetime, price: decimal.Decimal,
            kind: Literal["a", "b"], flag: bool = False, ratio: Annotated[float, Query(gt=0, le=1)] = 0.5,
            ids: Annotated[list[int], Query()] = [],  # noqa: B006 (a default, never mutated)
            x_token: Annotated[str, Header()] = "none", session: Annotated[Optional[str], Cookie()] = None):
    values = [item_id, color, when, at, price, kind, flag, ratio, ids, x_token, session]
    return {"types": [type(v).__name__ for v in values], "echo": values}


@app.post("/users")
def create_user(user: User, db, request: Request):
    CALLS["handler"] += 1
    return {"user": user, "is_user": isinstance(user, User), "city_type": type(user.address).__name__,
            "db": db, "method": request.method}


@dataclasses.dataclass
class Line:
    sku: str
    n: int
    x: float


@dataclasses.dataclass
class Cart:
    lines: list[Line]
    owner: Address


@app.post("/carts")
def cart(cart: Cart, request: Request):
    """A body the server makes into instances itself (no field has a
    default): their fields in the order __init__ sets them, and
    request.body beside them, the JSON as it was sent."""
    body = request.body
    return {"fields": [list(vars(cart)), list(vars(cart.owner))] + [list(vars(line)) for line in cart.lines],
            "types": [type(cart.lines[0]).__name__, type(cart.lines[0].x).__name__, type(cart.owner).__name__],
            "body": body, "body_types": [type(body["owner"]).__name__] + [type(line).__name__ for line in body["lines"]]}


@app.post("/points")
def point(p: Point, scale: Annotated[float, Query()] = 1.0):
    return {"x": p["x"] * scale, "y": p["y"] * scale}


@app.post("/products")
def product(product: Product):
    return {"product": product, "is_model": isinstance(product, Product)}


@app.post("/embedded")
def embedded(a: Annotated[int, Body()], b: Annotated[str, Body()] = "default"):
    return {"a": a, "b": b}


@app.post("/login")
def login(username: Annotated[str, Form(min_length=3)], remember: Annotated[bool, Form()] = False):
    return {"username": username, "remember": remember}


@app.post("/upload")
def upload(file: Annotated[UploadedFile, File(content_types=["text/plain"])], note: Annotated[str, Form()] = ""):
    return {"filename": file.filename, "data": file.data.decode(), "note": note}


@app.route("/explicit/{id}", methods=["POST"], schema={
    "path": {"type": "object", "properties": {"id": {"type": "integer", "minimum": 1}}, "required": ["id"]},
    "body": {"oneOf": [{"type": "object", "required": ["card"]}, {"type": "object", "required": ["iban"]}]}})
def explicit(id, body):
    return {"id": id, "body": body}


def _without_zip(address):
    del address.zip
    return address


@app.get("/returns/{kind}")
def returns(kind: str):
    return {
        "dataclass": lambda: Address("Oslo", "0150"),
        "datetime": lambda: {"utc": datetime.datetime(2024, 1, 15, 10, 30, tzinfo=datetime.timezone.utc),
                             "naive": datetime.datetime(2024, 1, 15, 10, 30), "date": datetime.date(2024, 1, 15),
                             "time": datetime.time(10, 30)},
        "uuid": lambda: [uuid.UUID("c892496f-b1fd-4b91-bdb8-b46f92df1716")],
        "decimal": lambda: {"price": decimal.Decimal("19.99")},
        "enum": lambda: {"color": Color.blue},
        "set": lambda: {"tags": {"only"}, "frozen": frozenset([1])},
        "model": lambda: Product(name="pen", price=1.5),
        "nested": lambda: {"items": [{"created": datetime.date(2024, 1, 1)}, {"created": object()}]},
        "in-a-dataclass": lambda: [Address(city=object(), zip="0150")],
        "field-gone": lambda: _without_zip(Address("Oslo", "0150")),
    }[kind]()


@app.get("/spin")
async def spin(s: float):
    """Holds the event loop (and so every async route) for s seconds."""
    end = time.monotonic() + s
    while time.monotonic() < end:
        pass
    return {"spun": s}


@app.get("/guarded")
async def guarded(n: int):
    return {"n": n}


@dataclasses.dataclass
class Profile:
    name: Annotated[str, Field(min_length=1, max_length=20)]
    age: Annotated[int, Field(ge=0, le=150)]
    score: float
    tags: list[str]
    nickname: Optional[str] = None


@app.post("/profiles")
def profile(p: Profile):
    return {"p": p}


@app.get("/props")
def props(n: Annotated[int, Query(ge=0, le=1000)], s: Annotated[str, Query(max_length=8, pattern="^[a-z]+$")],
          f: Annotated[float, Query(gt=-1.5)] = 0.0):
    return {"n": n, "s": s, "f": f}


hooked = App()
SEEN = []


@hooked.on_request
def look(request):
    SEEN.append(request.path)
    if request.headers.get("x-stop"):
        raise HTTPError(401, "stopped by the hook")


@hooked.get("/hooked")
def hooked_route(n: int):
    return {"n": n}


@hooked.get("/seen")
def seen():
    return {"seen": SEEN}


@app.get("/calls")
def calls():
    return CALLS


@dataclasses.dataclass(frozen=True)
class Frozen:
    a: int
    b: list[int] = dataclasses.field(default_factory=lambda: [0])


@dataclasses.dataclass
class Checked:
    low: int
    high: int

    def __post_init__(self):
        if self.low > self.high:
            raise HTTPError(400, "low is above high")


@app.post("/kinds")
def kinds(frozen: Annotated[Frozen, Body(embed=True)], checked: Annotated[Checked, Body(embed=True)]):
    return {"frozen": frozen, "checked": checked, "types": [type(frozen).__name__, type(checked).__name__]}


@app.post("/collections")
def collections(tags: Annotated[set[str], Body(embed=True)], pair: Annotated[tuple[int, ...], Body(embed=True)],
                counts: Annotated[dict[str, int], Body(embed=True)], wait: Annotated[datetime.timedelta, Body(embed=True)],
                at: Annotated[datetime.time, Body(embed=True)], where: Annotated[Optional[Address], Body(embed=True)] = None):
    values = [tags, pair, counts, wait, at, where]
    return {"types": [type(v).__name__ for v in values], "tags": sorted(tags), "pair": pair, "counts": counts,
            "wait": wait, "at": at, "where": where, "waits": [datetime.timedelta(0), datetime.timedelta(days=-1),
                                                               datetime.timedelta(days=2, seconds=0.5)]}


@app.get("/defaults/{id:int}")
def defaults(id, note: Annotated[Optional[str], Query()], q: int = Query(5), upload: Optional[UploadedFile] = None):
    """{id:int} with nothing annotated: checked as an int, handed over as its text;
    a marker as the default; an Optional with no default."""
    return {"id": id, "q": q, "note": note, "upload": upload}


@app.put("/things/{n}")
def put_thing(n: int):
    return {"put": n}


@app.patch("/things/{n}")
def patch_thing(n: int):
    return {"patched": n}


@app.delete("/things/{n}")
def delete_thing(n: int):
    return {"deleted": n}


@app.route("/things", methods="POST")
def post_thing():
    return {"posted": True}


@app.post("/many-files")
def many_files(files: Annotated[list[UploadedFile], File()], tag: Annotated[Optional[UploadedFile], File()] = None):
    return {"names": [f.filename for f in files], "types": [f.content_type for f in files],
            "headers": [dict(f.headers) for f in files], "tag": tag and tag.data.decode()}


# The shape bench/app/bench_typed.py measures, so that the path the benchmark
# takes (dataclasses made by the server from their builder's plan) is tested.
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


@app.post("/orders")
def orders(order: Order, request: Request):
    # Dataclasses with no defaults: the server makes them itself (python/value_plans.cpp).
    return {"order": order, "types": [type(order).__name__, type(order.items).__name__] +
            [type(i).__name__ for i in order.items], "extras": [sorted(vars(i)) for i in order.items],
            "sent": request.body}
