"""The application layer: routers, dependencies, hooks and configuration.

Everything here is declared while the app is imported and planned once, when
the server calls `_finish()` after the last module is imported and before the
first connection is accepted. Per request, the server follows the plan: a
handler with nothing to inject and no hooks is called directly from C++; only
routes that need more go through `_invoke`.
"""

import asyncio
import functools
import inspect
import re
import typing

from snasio.errors import HTTPError
from snasio.request import Request
from snasio.response import Response

try:
    import _snasio  # the server's built-in module; absent outside the server
except ImportError:
    _snasio = None


# -- routers ------------------------------------------------------------------------

class Router:
    """A group of routes under a path prefix: `api = Router(prefix="/api")`,
    `@api.route("/users")`, then `include_router(api)`. Routers nest."""

    def __init__(self, prefix: str = ""):
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"Router prefix {prefix!r} must start with '/' and not end with it")
        self.prefix = prefix
        self._routes = []    # (path, methods, handler, use_process_pool, blocking)
        self._routers = []

    def route(self, path: str, methods=None, use_process_pool: bool = False, blocking: bool = False):
        """Serves the decorated function at prefix + `path` for `methods` (default ["GET"])."""
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
            self._routes.append((path, methods, handler, bool(use_process_pool), bool(blocking)))
            return handler

        return register

    def include_router(self, router: "Router"):
        """Mounts `router` under this router's prefix."""
        if router is self:
            raise ValueError("a Router cannot include itself")
        self._routers.append(router)

    def _walk(self, outer=""):
        prefix = outer + self.prefix
        for path, methods, handler, use_pool, blocking in self._routes:
            yield prefix + path, methods, handler, use_pool, blocking
        for router in self._routers:
            yield from router._walk(prefix)


_root = Router()


def include_router(router: Router):
    """Mounts `router` (and the routers it includes) in the app."""
    _root.include_router(router)


# -- dependencies ---------------------------------------------------------------------

class Provide:
    """How a dependency is made: `Provide(factory, singleton=False, use_cache=False)`.

    The factory may be a function, an async function, a generator or an async
    generator (what follows its `yield` is the clean-up, run after the response
    has been written). singleton=True: made once, cleaned up at shutdown.
    use_cache=True: made once per request, however many parameters need it.
    """

    __slots__ = ("factory", "singleton", "use_cache")

    def __init__(self, factory, singleton: bool = False, use_cache: bool = False):
        if not callable(factory):
            raise TypeError(f"Provide() takes a callable, not {type(factory).__name__}")
        self.factory = factory
        self.singleton = bool(singleton)
        self.use_cache = bool(use_cache)


_providers = {}   # key -> Provide, or a plain value (wrapped in _Value)


class _Value:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _key(key):
    """A dependency's key: a type becomes "module.qualname", a name stays itself."""
    if isinstance(key, str):
        return key
    if isinstance(key, type):
        return f"{key.__module__}.{key.__qualname__}"
    raise TypeError(f"a dependency key is a type or a name, not {type(key).__name__}")


def provide(key, value):
    """Makes `value` (or what `Provide(factory, ...)` makes) the dependency for
    `key`: a type (handlers receive it for a parameter annotated with it) or a
    name (for a parameter of that name)."""
    _providers[_key(key)] = value if isinstance(value, Provide) else _Value(value)


# -- hooks --------------------------------------------------------------------------

_hooks = {"startup": [], "shutdown": [], "request": [], "pre_handler": [], "response": [], "error": []}


def _hook(kind):
    def register(function):
        _hooks[kind].append(function)
        return function
    register.__name__ = register.__qualname__ = "on_" + kind if kind != "pre_handler" else kind
    return register


on_startup = _hook("startup")        # () -> None, sync or async: before the first connection
on_shutdown = _hook("shutdown")      # () -> None, sync or async: after the last request
on_request = _hook("request")        # (request) -> None or an answer: before dependencies
pre_handler = _hook("pre_handler")   # (request) -> None or an answer: right before the handler
on_response = _hook("response")      # (request, response) -> the Response to send
on_error = _hook("error")            # (request, exc) -> an answer, or None for the default 500


# -- configuration ---------------------------------------------------------------------

# What only the command line decides: where to listen, what to import, what a
# supervisor reads. Every other flag may be set by the app, by its snake_case
# name; the server checks the names and values when it applies them.
_COMMAND_LINE_ONLY = ("host", "port", "uds", "uds_mode", "venv", "app_dir", "module", "workers", "max_requests", "reload")

_settings = {}


class ServerConfig:
    """Settings that take effect after the app is imported, named as the flags
    in snake_case: `ServerConfig(max_body_bytes=2_000_000, drain_timeout=30)`.
    The command line wins over them; they win over the defaults."""

    def __init__(self, **settings):
        for name in settings:
            _check_setting(name)
        self.settings = settings

    def __repr__(self):
        return f"ServerConfig({', '.join(f'{k}={v!r}' for k, v in self.settings.items())})"


def _check_setting(name):
    if name in _COMMAND_LINE_ONLY:
        raise ValueError(f"configure(): {name} comes from the command line only "
                         f"(--{name.replace('_', '-')}), not from the app")


def configure(config: ServerConfig = None, **settings):
    """Sets server settings from the app: `configure(ServerConfig(...))` or
    `configure(max_body_bytes=..., ...)`."""
    if config is not None:
        if not isinstance(config, ServerConfig):
            raise TypeError("configure() takes a ServerConfig or keyword settings")
        settings = {**config.settings, **settings}
    for name, value in settings.items():
        _check_setting(name)
        if isinstance(value, bool):
            value = "true" if value else "false"
        _settings[name] = str(value)


# -- planning ---------------------------------------------------------------------------

class PlanError(ValueError):
    """A route that cannot be planned: start-up stops with this message."""


_PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([A-Za-z_][A-Za-z0-9_]*)>")


class _Plan:
    """How to call one callable: where each of its parameters comes from, and
    how many of them go by position (the rest by keyword)."""

    __slots__ = ("function", "sources", "positional", "keywords", "is_async", "is_generator",
                 "is_async_generator")

    def __init__(self, function, sources, positional):
        self.function = function
        self.sources = sources   # [(parameter name, kind, detail)]
        self.positional = positional
        self.keywords = [name for name, _, _ in sources[positional:]]
        self.is_async = inspect.iscoroutinefunction(function)
        self.is_generator = inspect.isgeneratorfunction(function)
        self.is_async_generator = inspect.isasyncgenfunction(function)

    def call(self, values):
        """Calls the function with its parameters' values, in `sources` order."""
        if not self.keywords:
            return self.function(*values)
        k = self.positional
        return self.function(*values[:k], **dict(zip(self.keywords, values[k:])))


class _Dependency:
    """A provided key, planned: its Provide and the plan of its factory."""

    __slots__ = ("key", "provide", "plan")

    def __init__(self, key, provide, plan):
        self.key = key
        self.provide = provide
        self.plan = plan


def _describe(what):
    return f"{getattr(what, '__module__', '?')}.{getattr(what, '__qualname__', repr(what))}"


def _plan(function, where, path_names, with_pool, planning, planned):
    """Plans `function`'s parameters; `where` names it in errors; `planning` is
    the chain of dependencies being planned (to find cycles)."""
    try:
        signature = inspect.signature(function)
        hints = typing.get_type_hints(function)
    except MemoryError:
        raise  # not the handler's fault: the traceback says what ran out
    except Exception as error:  # an annotation that names nothing, say
        raise PlanError(f"{where}: cannot read the parameters of {_describe(function)}: {error}") from error
    sources = []
    for name, parameter in signature.parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise PlanError(f"{where}: {_describe(function)} has *{name}: nothing fills it")
        hint = hints.get(name)
        if name == "request" or (isinstance(hint, type) and issubclass(hint, Request)):
            sources.append((name, "request", None))
        elif name in path_names:
            sources.append((name, "path", name))
        elif with_pool and name == "pool":
            sources.append((name, "pool", None))
        else:
            key = _key(hint) if isinstance(hint, type) and _key(hint) in _providers else name
            if key in _providers:
                sources.append((name, "dependency", _plan_dependency(key, where, path_names, with_pool,
                                                                    planning, planned)))
            elif parameter.default is not parameter.empty:
                continue  # left to its default
            else:
                wanted = f"{name}: {hint.__qualname__}" if isinstance(hint, type) else name
                how = f"provide({hint.__qualname__ if isinstance(hint, type) else repr(name)}, ...) would"
                if name == "pool":
                    how = "only use_process_pool=True routes get 'pool'"
                raise PlanError(f"{where}: nothing provides parameter '{wanted}' of {_describe(function)} ({how}; "
                                 f"the server fills 'request' and parameters named like a path placeholder)")
    return _Plan(function, sources, _positional(function, signature, sources, where))


def _plan_dependency(key, where, path_names, with_pool, planning, planned):
    if key in planning:
        chain = " -> ".join(planning[planning.index(key):] + [key])
        raise PlanError(f"{where}: dependency cycle: {chain}")
    if key in planned:
        return planned[key]
    provided = _providers[key]
    if isinstance(provided, _Value):
        dependency = _Dependency(key, provided, None)
    else:
        dependency = _Dependency(key, provided, _plan(provided.factory, where, path_names, with_pool,
                                                      planning + [key], planned))
    planned[key] = dependency
    return dependency


def _positional(function, signature, sources, where):
    """How many of the filled parameters a call passes by position: the
    leading ones, in order, up to the first that is keyword-only or comes
    after a parameter left to its default. The rest go by keyword."""
    parameters = list(signature.parameters.values())
    count = 0
    for (name, _, _), parameter in zip(sources, parameters):
        if name != parameter.name or parameter.kind not in (parameter.POSITIONAL_ONLY,
                                                            parameter.POSITIONAL_OR_KEYWORD):
            break
        count += 1
    for name, _, _ in sources[count:]:
        if signature.parameters[name].kind == inspect.Parameter.POSITIONAL_ONLY:
            raise PlanError(f"{where}: positional-only parameter '{name}' of {_describe(function)} comes after "
                             f"one left to its default: nothing can pass it")
    return count


def _needs(plan, test):
    """Whether `plan` or any dependency below it satisfies `test`."""
    if test(plan):
        return True
    for _, kind, detail in plan.sources:
        if kind == "dependency" and detail.plan is not None and _needs(detail.plan, test):
            return True
    return False


# What the server's C++ side does with each planned route:
DIRECT, INVOKE = 0, 1          # call the handler itself / call _invoke(route, job, request, pool)
INLINE, TASK, THREAD = 0, 1, 2  # on the GIL thread / as a Task on its loop / on the dispatch threads


class _Route:
    __slots__ = ("pattern", "methods", "handler", "use_pool", "blocking", "plan", "call", "mode", "cleanup")


_routes = []   # index = the server's Python route id


def _finish():
    """Plans every route once the whole app is imported (called by the server).
    Returns, per route: (pattern, methods, handler, call, mode, use_pool,
    argument sources for a direct call, whether its cleanups wait for the
    response to be written, how many of them a direct call passes by position);
    and the app's settings."""
    _routes.clear()
    request_hooks = any(_hooks[k] for k in ("request", "pre_handler", "response", "error"))
    out = []
    for pattern, methods, handler, use_pool, blocking in _root._walk():
        where = f"route {','.join(methods)} {pattern} ({_describe(handler)})"
        path_names = set(_PLACEHOLDER.findall(pattern))
        # Planned per route: a factory's parameter may be this route's placeholder.
        plan = _plan(handler, where, path_names, use_pool, [], {})
        r = _Route()
        r.pattern, r.methods, r.handler, r.use_pool, r.blocking, r.plan = \
            pattern, methods, handler, use_pool, blocking, plan
        has_dependencies = any(kind == "dependency" for _, kind, _ in plan.sources)
        r.call = INVOKE if has_dependencies or request_hooks else DIRECT
        r.cleanup = _needs(plan, lambda p: p.is_generator or p.is_async_generator)
        async_parts = _needs(plan, lambda p: p.is_async or p.is_async_generator) or any(
            inspect.iscoroutinefunction(h) for k in ("request", "pre_handler", "response", "error")
            for h in _hooks[k])
        offloaded = blocking or (use_pool and not plan.is_async)
        if r.call == DIRECT:
            r.mode = TASK if plan.is_async else THREAD if offloaded else INLINE
        else:
            # The invoker runs hooks and dependencies on the loop; it is a
            # coroutine when anything in it awaits, or when the handler itself
            # must run off the loop (it awaits the dispatch threads then).
            r.mode = TASK if plan.is_async or async_parts or offloaded else INLINE
        direct = r.call == DIRECT  # only then does the server fill the arguments itself
        arguments = tuple((name, kind, detail or "") for name, kind, detail in plan.sources) if direct else ()
        out.append((pattern, methods, handler, r.call, r.mode, use_pool, arguments, r.cleanup,
                    plan.positional if direct else 0))
        _routes.append(r)
    return out, dict(_settings)


# -- per request: the invoker ----------------------------------------------------------------

_singletons = {}          # key -> value, made on first use
_singleton_cleanups = []  # generators of singleton factories, closed at shutdown
_cleanups = {}            # job id -> generators to resume once its response is written


class _Scope:
    """One request's dependency values: the per-request cache and what to clean up."""

    __slots__ = ("route", "request", "pool", "cache", "generators")

    def __init__(self, route, request, pool):
        self.route, self.request, self.pool = route, request, pool
        self.cache = {}
        self.generators = []


def _argument(scope, kind, detail):
    if kind == "request":
        return scope.request
    if kind == "path":
        return scope.request.path_params[detail]
    return scope.pool


def _values_sync(scope, plan):
    """The values of `plan`'s parameters, in order, every dependency sync."""
    return [_make_sync(scope, detail) if kind == "dependency" else _argument(scope, kind, detail)
            for _, kind, detail in plan.sources]


async def _values(scope, plan):
    """The values of `plan`'s parameters, in order, awaiting what is async."""
    return [await _make(scope, detail) if kind == "dependency" else _argument(scope, kind, detail)
            for _, kind, detail in plan.sources]


def _make_sync(scope, dependency):
    """The value of a dependency whose factory, and everything below it, is sync."""
    provided = dependency.provide
    if isinstance(provided, _Value):
        return provided.value
    key = dependency.key
    if provided.singleton and key in _singletons:
        return _singletons[key]
    if provided.use_cache and key in scope.cache:
        return scope.cache[key]
    plan = dependency.plan
    value = plan.call(_values_sync(scope, plan))
    if plan.is_generator:
        generator, value = value, next(value)
        (_singleton_cleanups if provided.singleton else scope.generators).append(generator)
    _remember(scope, dependency, value)
    return value


async def _make(scope, dependency):
    """The value of a dependency, awaiting what is async, on the loop."""
    provided = dependency.provide
    if isinstance(provided, _Value):
        return provided.value
    key = dependency.key
    if provided.singleton and key in _singletons:
        return _singletons[key]
    if provided.use_cache and key in scope.cache:
        return scope.cache[key]
    plan = dependency.plan
    value = plan.call(await _values(scope, plan))
    if plan.is_async:
        value = await value
    elif plan.is_generator:
        generator, value = value, next(value)
        (_singleton_cleanups if provided.singleton else scope.generators).append(generator)
    elif plan.is_async_generator:
        generator, value = value, await value.__anext__()
        (_singleton_cleanups if provided.singleton else scope.generators).append(generator)
    _remember(scope, dependency, value)
    return value


def _remember(scope, dependency, value):
    if dependency.provide.singleton:
        _singletons[dependency.key] = value
    elif dependency.provide.use_cache:
        scope.cache[dependency.key] = value


def _as_response(value):
    """Any handler return value (or an HTTPError) as a Response, for on_response hooks."""
    if isinstance(value, Response):
        return value
    if isinstance(value, HTTPError):
        return Response({"error": value.detail}, status=value.status, headers=value.headers)
    if isinstance(value, tuple) and len(value) in (2, 3):
        return Response(value[0], status=value[1], headers=value[2] if len(value) == 3 else None)
    if inspect.isgenerator(value) or inspect.isasyncgen(value):
        from snasio.streaming import StreamingResponse
        return StreamingResponse(value)
    return Response(value, status=204 if value is None else 200)


def _failed(scope, error, answer):
    """After on_error hooks: their answer, else the default 500. With no
    on_response hook to show it to, the exception goes back to the server,
    which reports it (and answers 500) as for any handler."""
    if answer is not None:
        return answer
    if not _hooks["response"]:
        raise error
    request = scope.request
    _snasio._log_exception(f"{request.method} {request.path} ({_describe(scope.route.handler)})", error)
    return Response({"error": "internal server error"}, status=500)


def _invoke(route_id, job_id, request, pool):
    """Runs one request of a route that has hooks or dependencies: the route's
    plan says whether this is called as is (all sync) or as a coroutine."""
    route = _routes[route_id]
    if route.mode == TASK:
        return _invoke_async(route, job_id, request, pool)
    scope = _Scope(route, request, pool)
    try:
        answer = _before(scope, "request")
        if answer is None:
            values = _values_sync(scope, route.plan)
            answer = _before(scope, "pre_handler")
            if answer is None:
                answer = route.plan.call(values)
    except HTTPError as error:
        if not _hooks["response"]:
            raise  # the server answers it, as for any handler
        answer = error
    except Exception as error:
        handled = None
        for hook in _hooks["error"]:
            handled = hook(request, error)
            if handled is not None:
                break
        answer = _failed(scope, error, handled)
    finally:
        if scope.generators:
            _cleanups[job_id] = scope.generators
    if not _hooks["response"]:
        return answer
    response = _as_response(answer)
    for hook in _hooks["response"]:
        replaced = hook(request, response)
        if replaced is not None:
            response = replaced
    return response


def _before(scope, kind):
    for hook in _hooks[kind]:
        answer = hook(scope.request)
        if answer is not None:
            return answer
    return None


async def _before_async(scope, kind):
    for hook in _hooks[kind]:
        answer = hook(scope.request)
        if inspect.isawaitable(answer):
            answer = await answer
        if answer is not None:
            return answer
    return None


async def _invoke_async(route, job_id, request, pool):
    scope = _Scope(route, request, pool)
    try:
        answer = await _before_async(scope, "request")
        if answer is None:
            values = await _values(scope, route.plan)
            answer = await _before_async(scope, "pre_handler")
            if answer is None:
                if route.plan.is_async:
                    answer = await route.plan.call(values)
                elif route.blocking or route.use_pool:
                    from snasio import _loop
                    answer = await _loop.run_blocking(functools.partial(route.plan.call, values))
                else:
                    answer = route.plan.call(values)
    except HTTPError as error:
        if not _hooks["response"]:
            raise
        answer = error
    except Exception as error:
        handled = None
        for hook in _hooks["error"]:
            handled = hook(request, error)
            if inspect.isawaitable(handled):
                handled = await handled
            if handled is not None:
                break
        answer = _failed(scope, error, handled)
    finally:
        if scope.generators:
            _cleanups[job_id] = scope.generators
    if not _hooks["response"]:
        return answer
    response = _as_response(answer)
    for hook in _hooks["response"]:
        replaced = hook(request, response)
        if inspect.isawaitable(replaced):
            replaced = await replaced
        if replaced is not None:
            response = replaced
    return response


def _written(job_id):
    """The response of `job_id` has been written (or its client has gone): resume
    its generator dependencies past their `yield`, last made first."""
    generators = _cleanups.pop(job_id, None)
    if not generators:
        return
    if any(inspect.isasyncgen(g) for g in generators):
        asyncio.get_running_loop().create_task(_close_all(generators), name="snasio cleanup")
        return
    for generator in reversed(generators):
        try:
            next(generator)
        except StopIteration:
            continue
        except Exception as error:
            _log_cleanup_error(generator, error)
            continue
        _yielded_twice(generator)


async def _close_all(generators):
    """Resumes every generator past its `yield`, last made first."""
    for generator in reversed(generators):
        try:
            if inspect.isasyncgen(generator):
                await generator.__anext__()
            else:
                next(generator)
        except (StopIteration, StopAsyncIteration):
            continue
        except Exception as error:
            _log_cleanup_error(generator, error)
            continue
        _yielded_twice(generator)


def _yielded_twice(generator):
    """A dependency generator yields once; one that yields again is closed,
    and the mistake logged."""
    close = generator.aclose() if inspect.isasyncgen(generator) else generator.close()
    if close is not None:
        asyncio.get_running_loop().create_task(close)
    _log_cleanup_error(generator, RuntimeError("a dependency generator yielded more than once; it was closed"))


def _log_cleanup_error(generator, error):
    if _snasio is not None:
        _snasio._log_exception(f"the clean-up of {generator.__qualname__}", error)


async def _startup():
    """Runs the start-up hooks, in order, on the GIL thread's loop."""
    for hook in _hooks["startup"]:
        result = hook()
        if inspect.isawaitable(result):
            await result


async def _shutdown():
    """Runs the shutdown hooks, then cleans up what is still open: the
    per-request generators of answers never written, then the singletons."""
    for hook in _hooks["shutdown"]:
        try:
            result = hook()
            if inspect.isawaitable(result):
                await result
        except Exception as error:
            if _snasio is not None:
                _snasio._log_exception(f"shutdown hook {_describe(hook)}", error)
    for job_id in list(_cleanups):
        await _close_all(_cleanups.pop(job_id))
    await _close_all(_singleton_cleanups)
    _singleton_cleanups.clear()
    _singletons.clear()
