"""Registering routes: the @route decorator, and Routers that group routes
under a path prefix."""

from collections.abc import Callable, Iterator
import inspect
from typing import NamedTuple

try:
    import _snasio  # the server's built-in module; absent outside the server
except ImportError:
    _snasio = None


class Registered(NamedTuple):
    """A route as it was registered: its full pattern and what the decorator said."""
    pattern: str
    methods: list
    handler: Callable
    use_process_pool: bool
    blocking: bool


class Router:
    """A group of routes under a path prefix: `api = Router(prefix="/api")`,
    `@api.route("/users")`, then `include_router(api)`. Routers nest."""

    def __init__(self, prefix: str = "") -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"Router prefix {prefix!r} must start with '/' and not end with it")
        self.prefix = prefix
        self._routes: list[Registered] = []  # patterns relative to the prefix
        self._routers: list[Router] = []

    def route(self, path: str, methods: list[str] | str | None = None, use_process_pool: bool = False,
              blocking: bool = False) -> Callable[[Callable], Callable]:
        """Serves the decorated function at prefix + `path` for `methods`
        (default ["GET"]). See snasio.route."""
        if methods is None:
            methods = ["GET"]
        elif isinstance(methods, str):
            methods = [methods]
        # Anything but str is left as it is, for the server's check to name.
        methods = [m.upper() if isinstance(m, str) else m for m in methods]

        def register(handler):
            if blocking and inspect.iscoroutinefunction(handler):
                raise ValueError(f"route {path!r}: blocking=True is for sync handlers, "
                                 f"{handler.__qualname__} is async")
            if _snasio is not None:
                _snasio.check_route(self.prefix + path, methods)  # a bad pattern fails here, at its decorator
            self._routes.append(Registered(path, methods, handler, bool(use_process_pool), bool(blocking)))
            return handler

        return register

    def include_router(self, router: "Router") -> None:
        """Mounts `router` under this router's prefix."""
        if router is self:
            raise ValueError("a Router cannot include itself")
        self._routers.append(router)

    def routes(self, outer: str = "") -> Iterator[Registered]:
        """Every route of this router and the routers it includes, with its
        full pattern (under `outer`), in registration order."""
        prefix = outer + self.prefix
        for r in self._routes:
            yield r._replace(pattern=prefix + r.pattern)
        for router in self._routers:
            yield from router.routes(prefix)


_root = Router()  # the app's routes: @route and include_router add to it


def route(path: str, methods: list[str] | str | None = None, use_process_pool: bool = False,
          blocking: bool = False) -> Callable[[Callable], Callable]:
    """Serves the decorated function at `path` for `methods` (default ["GET"]).

    Path patterns follow Flask: /users/<int:user_id>, <float:x>, <path:rest>,
    <uuid:id>, <string:name> or <name>. The handler's parameters are filled by
    name and annotation: `request` (or any parameter annotated Request) gets
    the request, a parameter named like a placeholder gets its converted value,
    `pool` gets the ProcessPoolExecutor of a use_process_pool=True route, and
    any other parameter a dependency (see provide()). A plain `def` handler
    runs on the server's sync threads, where it may block (wait on a
    database, a socket, a file) without holding up any other route;
    `blocking=True` says nothing more. `async def` handlers run on the
    server's event loop and must not block.
    """
    return _root.route(path, methods, use_process_pool, blocking)


def include_router(router: Router) -> None:
    """Mounts `router` (and the routers it includes) in the app."""
    _root.include_router(router)


def registered_routes() -> Iterator[Registered]:
    """Every route of the app, with its full pattern, in registration order."""
    return _root.routes()
