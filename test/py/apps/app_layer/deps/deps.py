"""Dependencies: by type and by name, factories of every kind, singletons,
the per-request cache, and clean-ups: before the answer by default, or once
it is written."""

import asyncio
import itertools
import os
import time

from snasio import HTTPError, Provide, Request, provide, route

EVENTS = []            # (tag, what), in the order they happened
_ids = itertools.count(1)


def _tag(request):
    return request.query_params.get("tag", request.path)


def _log(line):
    """Appends to the file the tests read after the server has stopped."""
    path = os.environ.get("SNASIO_TEST_EVENTS")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


class Database:
    def __init__(self, name):
        self.name = name


class User:
    def __init__(self, name):
        self.name = name


provide(Database, Database("main"))                 # a value, by type
provide("greeting", "hello")                        # a value, by name


async def current_user(request: Request, db: Database) -> User:   # async, needs the request and another
    await asyncio.sleep(0)
    return User(request.headers.get("x-user", "anonymous") + "@" + db.name)


provide(User, Provide(current_user))

_made = {"counter": 0}


def make_counter():
    _made["counter"] += 1
    return {"instance": next(_ids)}


provide("counter", Provide(make_counter, singleton=True))


def session_factory():
    return {"session": next(_ids)}


provide("session", Provide(session_factory, use_cache=True))
provide("fresh", Provide(session_factory))                     # not cached: one per parameter


def repository(session, fresh):
    return {"session": session, "fresh": fresh}


provide("repository", Provide(repository))


def connection(request: Request):
    """A generator: what follows `yield` runs before the answer is sent; the
    handler's exception is raised at the `yield`, so `finally` always runs."""
    tag = _tag(request)
    EVENTS.append((tag, "open"))
    try:
        yield f"connection for {tag}"
    finally:
        EVENTS.append((tag, "closed"))


provide("connection", Provide(connection))


async def transaction(request: Request, connection):
    """An async generator over another generator."""
    tag = _tag(request)
    EVENTS.append((tag, "begin"))
    yield f"transaction on {connection}"
    await asyncio.sleep(0.05)
    EVENTS.append((tag, "end"))


# A store whose writes a session commits after `yield` (read-your-writes), and
# rolls back when the handler fails.
STORE = {"count": 0}


def store_session():
    pending = dict(STORE)
    try:
        yield pending
    except Exception:
        EVENTS.append(("store", "rolled back"))
        raise
    time.sleep(0.002)  # a commit takes a moment
    STORE.update(pending)


provide("store", Provide(store_session))


@route("/di/count", methods=["GET", "POST"])
def count(request, store):
    if request.method == "POST":
        store["count"] += 1
        if request.query_params.get("fail"):
            raise RuntimeError("the handler failed: nothing is committed")
    return {"count": store["count"]}


provide("transaction", Provide(transaction))


def pool_of_things():
    _log("singleton made")
    yield "the pool of things"
    _log("singleton closed")


provide("things", Provide(pool_of_things, singleton=True))


def breaks_on_cleanup():
    yield "fragile"
    raise OSError("the clean-up failed")


def yields_twice():
    yield "once"
    yield "twice"


provide("fragile", Provide(breaks_on_cleanup))
provide("twice", Provide(yields_twice))
provide("fragile_later", Provide(breaks_on_cleanup, cleanup="after_response"))
provide("twice_later", Provide(yields_twice, cleanup="after_response"))


@route("/di/bad-cleanup")
def bad_cleanup(fragile):
    return {"fragile": fragile}


@route("/di/yields-twice")
def yields_twice_route(twice):
    return {"twice": twice}


@route("/di/bad-cleanups-later")
def bad_cleanups_later(fragile_later, twice_later):
    return {"fragile": fragile_later, "twice": twice_later}


@route("/di/by-type")
def by_type(db: Database, user: User):
    return {"db": db.name, "user": user.name}


@route("/di/by-name")
def by_name(greeting, request):
    return {"greeting": greeting, "path": request.path}


@route("/di/singleton")
def singleton(counter):
    return {"counter": counter, "made": _made["counter"]}


@route("/di/cache")
def cache(session, repository, fresh):
    return {"handler_session": session, "repository": repository, "handler_fresh": fresh}


@route("/di/generator")
def generator(connection):
    return {"connection": connection}


@route("/di/generator-raises")
def generator_raises(connection):
    raise RuntimeError("the handler failed after its dependency opened")


@route("/di/generator-http-error")
def generator_http_error(connection):
    raise HTTPError(404, "nothing here")


@route("/di/async-generator")
async def async_generator(transaction):
    return {"transaction": transaction}


def slow_connection(request: Request):
    """A clean-up that takes its time: it runs once the answer is written, so
    the answer does not wait for it."""
    yield "slow"
    time.sleep(1.5)
    EVENTS.append((_tag(request), "slowly closed"))


provide("slow_connection", Provide(slow_connection, cleanup="after_response"))


@route("/di/slow-cleanup")
def slow_cleanup(slow_connection):
    return {"connection": slow_connection}


@route("/di/hang")
async def hang(connection):
    await asyncio.sleep(30)


@route("/di/sync-slow")
def sync_slow(connection):
    time.sleep(0.5)   # the client leaves meanwhile
    return "too late"


@route("/di/blocking/<int:n>", blocking=True)
def blocking(n: int, connection, greeting):
    return {"n": n, "connection": connection, "greeting": greeting}


@route("/di/pool/<int:n>", use_process_pool=True)
def pool_route(pool, n: int, greeting):
    return {"n": n, "greeting": greeting, "pool": type(pool).__name__}


@route("/di/things")
def things(things):
    return {"things": things}


@route("/di/events")
def events(request):
    tag = request.query_params.get("tag")
    return [list(e) for e in EVENTS if tag is None or e[0] == tag]


def user_from_path(user_id: int, request: Request):
    return {"id": user_id, "path": request.path}


provide("path_user", Provide(user_from_path))


@route("/di/users/<int:user_id>")
def path_user(path_user):
    return path_user
