"""Routers: routes registered under a path prefix (an App has one at its
root; snasio.route registers on the default App's)."""

from collections.abc import Callable, Iterator
import inspect
from typing import NamedTuple

try:
    import _snasio  # the server's built-in module; absent outside the server
except ImportError:
    _snasio = None

# The most a route's max_json_depth may be, as --max-json-depth (src/python/python_config.hpp:
# the parsers and writers recurse once a level).
MOST_JSON_DEPTH = 1000


class Registered(NamedTuple):
    """A route as it was registered: its full pattern and what the decorator said."""
    pattern: str
    methods: list
    handler: Callable
    use_process_pool: bool
    blocking: bool
    schema: dict | None  # the explicit form: a JSON Schema per source (snasio._typed.TypedParams.from_schema)
    limits: dict         # this route's own max_body_bytes, max_json_depth, max_header_bytes (checked natively)
    around: dict         # its own timeout (seconds) and rate_limit ((per_second, burst)), decided natively


def _around(path, timeout, rate_limit) -> dict:
    """A route's timeout= (seconds) and rate_limit= (per second, or (per_second, burst)), checked."""
    around = {}
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < 1e6:
            raise ValueError(f"route {path!r}: timeout must be a number of seconds above 0, not {timeout!r}")
        around["timeout"] = float(timeout)
    if rate_limit is not None:
        rate = rate_limit if isinstance(rate_limit, tuple) else (rate_limit, max(1, rate_limit)) \
            if isinstance(rate_limit, (int, float)) else None
        if rate is None or len(rate) != 2 or any(isinstance(x, bool) or not isinstance(x, (int, float)) or x <= 0
                                                 for x in rate):
            raise ValueError(f"route {path!r}: rate_limit must be requests per second, or (per_second, burst), "
                             f"both above 0, not {rate_limit!r}")
        around["rate_limit"] = (float(rate[0]), float(rate[1]))
    return around


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
              blocking: bool = False, schema: dict | None = None, **limits) -> Callable[[Callable], Callable]:
        """Serves the decorated function at prefix + `path` for `methods`
        (default ["GET"]). See snasio.route."""
        if methods is None:
            methods = ["GET"]
        elif isinstance(methods, str):
            methods = [methods]
        # Anything but str is left as it is, for the server's check to name.
        methods = [m.upper() if isinstance(m, str) else m for m in methods]
        around = _around(path, limits.pop("timeout", None), limits.pop("rate_limit", None))
        for name, value in limits.items():
            if name not in ("max_body_bytes", "max_json_depth", "max_header_bytes"):
                raise TypeError(f"route {path!r}: unknown option {name!r}")
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"route {path!r}: {name} must be a positive int, not {value!r}")
            if name == "max_json_depth" and value > MOST_JSON_DEPTH:
                raise ValueError(f"route {path!r}: max_json_depth must be at most {MOST_JSON_DEPTH}, not {value}")

        def register(handler):
            if blocking and inspect.iscoroutinefunction(handler):
                raise ValueError(f"route {path!r}: blocking=True is for sync handlers, "
                                 f"{handler.__qualname__} is async")
            if _snasio is not None:
                _snasio.check_route(self.prefix + path, methods)  # a bad pattern fails here, at its decorator
            self._routes.append(Registered(path, methods, handler, bool(use_process_pool), bool(blocking), schema,
                                           dict(limits), around))
            return handler

        return register

    def get(self, path: str, **options) -> Callable[[Callable], Callable]:
        return self.route(path, ["GET"], **options)

    def post(self, path: str, **options) -> Callable[[Callable], Callable]:
        return self.route(path, ["POST"], **options)

    def put(self, path: str, **options) -> Callable[[Callable], Callable]:
        return self.route(path, ["PUT"], **options)

    def patch(self, path: str, **options) -> Callable[[Callable], Callable]:
        return self.route(path, ["PATCH"], **options)

    def delete(self, path: str, **options) -> Callable[[Callable], Callable]:
        return self.route(path, ["DELETE"], **options)

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
