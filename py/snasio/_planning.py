"""Planning: once the whole app is imported, each route's handler and the
factories of its dependencies are read once and turned into a plan, which
the server and the invoker follow per request without inspecting anything.

The server calls plan_app() (snasio._contract.SERVER_USES["plan_app"]).
"""

import importlib
import inspect
import re
import typing

from snasio import _typed, app as _app, dependencies, hooks
from snasio._contract import Argument, Call, Mode, PlannedRoute, Source
from snasio.errors import PlanError
from snasio.request import Request

# A placeholder: <name>, <conv:name>, <conv(args):name>, {name} or {name:conv}.
_PLACEHOLDER = re.compile(r"<(?:([^:<>]+):)?([A-Za-z_][A-Za-z0-9_]*)>|\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]+))?\}")


class Plan:
    """How to call one callable: where each of its parameters comes from, and
    how many of them go by position (the rest by keyword)."""

    __slots__ = ("function", "sources", "positional", "keywords", "is_async", "is_generator",
                 "is_async_generator")

    def __init__(self, function, sources, positional):
        self.function = function
        self.sources = sources   # [(parameter name, "request" | "path" | "pool" | "dependency", detail)]
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


class Dependency:
    """A provided key, planned: what was provided, and the plan of its factory
    (None for a plain value)."""

    __slots__ = ("key", "provide", "plan")

    def __init__(self, key, provide, plan):
        self.key = key
        self.provide = provide
        self.plan = plan


class Route:
    """A planned route, as the invoker follows it; and what /openapi.json says of it."""

    __slots__ = ("handler", "plan", "mode", "methods", "pattern", "typed")

    def __init__(self, handler, plan, mode, methods=(), pattern="", typed=None):
        self.handler, self.plan, self.mode = handler, plan, mode
        self.methods, self.pattern, self.typed = methods, pattern, typed


routes: list[Route] = []   # index = the server's Python route id
served = _app.default      # the App being served


def describe(what) -> str:
    """"module.qualname" of a function, for messages."""
    return f"{getattr(what, '__module__', '?')}.{getattr(what, '__qualname__', repr(what))}"


def served_app(reference: str) -> "_app.App":
    """The App `reference` ("module:attribute", as --app gives it) names;
    the default App for ""."""
    if not reference:
        return _app.default
    module, _, attribute = reference.partition(":")
    attribute = attribute or "app"
    try:
        found = getattr(importlib.import_module(module), attribute, None)
    except ModuleNotFoundError as e:
        if e.name != module:  # the module was found; something it imports was not
            raise
        raise PlanError(f"--app {reference}: no module named {module!r} in --app-dir or the current directory") from None
    if found is None:
        raise PlanError(f"--app {reference}: module {module} has no attribute {attribute!r}")
    if not isinstance(found, _app.App):
        raise PlanError(f"--app {reference}: {module}.{attribute} is a {type(found).__name__}, not a snasio.App")
    return found


def path_converters(pattern: str) -> dict:
    """{placeholder: True when the router converts it (<int:id>, {rest:path}),
    the type a typed check gives it ({id:int}: "int"), or ""}."""
    return {m[1] or m[2]: True if m[0] or m[3] == "path" else m[3] for m in _PLACEHOLDER.findall(pattern)}


def plan_app(reference: str = "") -> tuple[list[PlannedRoute], dict[str, str]]:
    """Plans every route of the app `reference` names (snasio.App; the
    default App for ""), in registration order; returns them as the server
    registers them, and the app's settings."""
    global served
    served = served_app(reference)
    routes.clear()
    registered = served.hooks
    request_hooks = any(registered[k] for k in hooks.REQUEST_KINDS)
    async_hooks = any(inspect.iscoroutinefunction(h) for k in hooks.REQUEST_KINDS for h in registered[k])
    # A 422 travels to Python when a hook must see the request first, or the answer after.
    hooks_see_refusals = any(registered[k] for k in ("request", "pre_validation", "response", "error"))
    out = []
    for r in served.routes():
        where = f"route {','.join(map(str, r.methods))} {r.pattern} ({describe(r.handler)})"
        converters = path_converters(r.pattern)
        typed = _typed.TypedParams(where, converters)
        if r.schema is not None:
            typed.from_schema(r.schema)
        # Planned per route: a factory's parameter may be this route's placeholder.
        plan = _plan(r.handler, where, set(converters), r.use_process_pool, [], {}, typed)
        typed.check_placeholders()
        validation, values = typed.finish(after_hooks=hooks_see_refusals, limits=r.limits) \
            if typed.params or typed.body or typed.files or r.limits else ("", [])
        for i, (name, kind, detail) in enumerate(plan.sources):
            if kind == "value":
                plan.sources[i] = (name, kind, typed.refs[name])
        has_dependencies = any(kind == "dependency" for _, kind, _ in plan.sources)
        call = Call.INVOKE if has_dependencies or request_hooks else Call.DIRECT
        # A sync handler may block: it runs on the sync threads, with its sync
        # hooks and dependencies (blocking=True says nothing more). A route
        # with anything that awaits runs as a Task on the loop; its sync
        # handler is then called on the blocking threads, never on the loop.
        awaits = call == Call.INVOKE and (_needs(plan, lambda p: p.is_async or p.is_async_generator) or async_hooks)
        mode = Mode.ASYNC if plan.is_async or awaits else Mode.SYNC
        cleanup_after_write = _cleans_up_after_response(plan)
        arguments = tuple(_argument(name, kind, detail) for name, kind, detail in plan.sources) \
            if call == Call.DIRECT else ()
        out.append(PlannedRoute(r.pattern, r.methods, r.handler, mode, call, r.use_process_pool, arguments,
                                plan.positional if call == Call.DIRECT else 0, cleanup_after_write, validation,
                                tuple(values), _around(r.around)))
        routes.append(Route(r.handler, plan, mode, r.methods, r.pattern, typed.openapi))
    if registered["response"] or registered["error"]:
        # The server's own answers (404, 405, a CORS 403, 429) go through this
        # route, so that on_response and on_error hooks see them too.
        plan = _plan(_server_answer, "the server's own answers", set(), False, [], {})
        mode = Mode.ASYNC if async_hooks else Mode.SYNC
        out.append(PlannedRoute("", [], _server_answer, mode, Call.INVOKE, False, (), 0, False, "", (),
                                (0.0, 0.0, 1.0)))
        routes.append(Route(_server_answer, plan, mode))
    return out, dict(served.settings)


def _server_answer(request: Request):
    """The answer the server made for a request no route took (never called:
    the invoker hands on request._problem, which the server fills)."""
    return request._problem


def _around(options: dict) -> tuple:
    """A route's own timeout and rate limit, as the server reads them."""
    per_second, burst = options.get("rate_limit", (0.0, 1.0))
    return float(options.get("timeout", 0.0)), float(per_second), float(burst)


_SOURCES = {"request": Source.REQUEST, "path": Source.PATH, "pool": Source.POOL, "value": Source.VALUE}


def _argument(name, kind, detail) -> Argument:
    if kind == "value":
        return Argument(name, Source.VALUE, detail.member or "", detail.index)
    return Argument(name, _SOURCES[kind], detail or "")


def _plan(function, where, path_names, with_pool, planning, planned, typed=None) -> Plan:
    """Plans `function`'s parameters; `where` names it in errors; `planning` is
    the chain of dependencies being planned (to find cycles); `typed` takes
    the handler's typed parameters (a dependency's factory has none)."""
    try:
        signature = inspect.signature(function)
        hints = typing.get_type_hints(function, include_extras=True)
    except MemoryError:
        raise  # not the handler's fault: the traceback says what ran out
    except Exception as error:  # an annotation that names nothing, say
        raise PlanError(f"{where}: cannot read the parameters of {describe(function)}: {error}") from error
    sources = []
    for name, parameter in signature.parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise PlanError(f"{where}: {describe(function)} has *{name}: nothing fills it")
        hint = hints.get(name)
        plain = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint
        by_type = dependencies.key_of(plain) if isinstance(plain, type) else None
        key = by_type if by_type is not None and served.provider(by_type) is not None else name
        if name == "request" or (isinstance(plain, type) and issubclass(plain, Request)):
            sources.append((name, "request", None))
        elif typed is not None and name in typed.refs_wanted():
            sources.append((name, "value", None))
        elif name in path_names and not (typed is not None and typed.claim(name, parameter, hint)):
            sources.append((name, "path", name))
        elif name in path_names:
            sources.append((name, "value", None))
        elif with_pool and name == "pool":
            sources.append((name, "pool", None))
        else:
            if served.provider(key) is not None:
                sources.append((name, "dependency", _plan_dependency(key, where, path_names, with_pool,
                                                                    planning, planned)))
            elif typed is not None and typed.claim(name, parameter, hint):
                sources.append((name, "value", None))
            elif parameter.default is not parameter.empty:
                continue  # left to its default
            else:
                wanted = f"{name}: {hint.__qualname__}" if isinstance(hint, type) else name
                how = f"provide({hint.__qualname__ if isinstance(hint, type) else repr(name)}, ...) would"
                if name == "pool":
                    how = "only use_process_pool=True routes get 'pool'"
                raise PlanError(f"{where}: nothing provides parameter '{wanted}' of {describe(function)} ({how}; "
                                f"the server fills 'request' and parameters named like a path placeholder)")
    return Plan(function, sources, _positional(function, signature, sources, where))


def _plan_dependency(key, where, path_names, with_pool, planning, planned) -> Dependency:
    if key in planning:
        chain = " -> ".join(planning[planning.index(key):] + [key])
        raise PlanError(f"{where}: dependency cycle: {chain}")
    if key in planned:
        return planned[key]
    provided = served.provider(key)
    plan = None
    if isinstance(provided, dependencies.Provide):
        plan = _plan(provided.factory, where, path_names, with_pool, planning + [key], planned)
    planned[key] = Dependency(key, provided, plan)
    return planned[key]


def _positional(function, signature, sources, where) -> int:
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
            raise PlanError(f"{where}: positional-only parameter '{name}' of {describe(function)} comes after "
                            f"one left to its default: nothing can pass it")
    return count


def _needs(plan, test) -> bool:
    """Whether `plan` or any dependency below it satisfies `test`."""
    return test(plan) or any(kind == "dependency" and detail.plan is not None and _needs(detail.plan, test)
                             for _, kind, detail in plan.sources)


def _cleans_up_after_response(plan) -> bool:
    """Whether a generator dependency below `plan`, made per request, cleans up
    once the response is written (Provide(cleanup="after_response"))."""
    def after(dependency):
        provided, factory = dependency.provide, dependency.plan
        return (provided.after_response and not provided.singleton
                and (factory.is_generator or factory.is_async_generator))
    return any(kind == "dependency" and detail.plan is not None
               and (after(detail) or _cleans_up_after_response(detail.plan))
               for _, kind, detail in plan.sources)
