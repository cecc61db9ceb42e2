"""Per request, for routes with hooks or dependencies: the invoker runs the
request hooks, makes the dependencies, calls the handler, and keeps what has
to be cleaned up. Also the app's start-up and shutdown hooks.

One implementation serves every route. The invoker is written as coroutines;
a route whose every part is sync (so planned: Mode.SYNC) never awaits
anything that suspends, so its coroutine runs to the end in one step, right
where the server calls it. Any other route's runs as a Task on the loop.

The server calls invoke, abandon, written, startup and shutdown
(snasio._contract.SERVER_USES).
"""

import asyncio
import functools
import inspect
import json

from _snasio import _log_exception, as_response

from snasio import _loop, _planning, hooks
from snasio._contract import Mode
from snasio.dependencies import Provide
from snasio.errors import HTTPError

# The served app's request hooks, in registration order (its own lists, so
# hooks registered later are in them too): set by startup().
_on_request = _pre_validation = _pre_handler = _on_response = _on_error = []

_singletons = {}          # key -> value, made on first use
_singleton_cleanups = []  # generators of singleton factories, closed at shutdown
_cleanups = {}            # job id -> generators to resume once its answer is written (cleanup="after_response")
_cleaning = set()         # the Tasks running such clean-ups (background tasks among them): awaited at shutdown


class _Scope:
    """One request's dependency values: the per-request cache and what to clean up."""

    __slots__ = ("route", "request", "pool", "cache", "generators")

    def __init__(self, route, request, pool):
        self.route, self.request, self.pool = route, request, pool
        self.cache = self.generators = None  # made when a dependency first needs them


def invoke(route_id, job_id, request, pool):
    """Runs one request of a route that has hooks or dependencies: its answer,
    or for a Mode.ASYNC route the coroutine that makes it."""
    route = _planning.routes[route_id]
    coroutine = _invoke(route, job_id, request, pool)
    return coroutine if route.mode == Mode.ASYNC else _run_now(coroutine)


def _run_now(coroutine):
    """The value of a coroutine that does not suspend, run here in one step."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a sync route's invoker awaited something that suspends")  # planning rules it out


async def _invoke(route, job_id, request, pool):
    scope = _Scope(route, request, pool)
    try:
        answer, error = await _answer(scope), None
    except BaseException as raised:  # cancellation too: the clean-ups see it
        answer, error = None, raised
    if scope.generators:
        error = await _clean_up(scope, job_id, error)
    if error is not None:
        if isinstance(error, HTTPError):
            if not _on_response:
                raise error  # the server answers it, as for any handler
            answer = error
        elif isinstance(error, Exception):
            handled = None
            for hook in _on_error:
                handled = await _result(hook(request, error))
                if handled is not None:
                    break
            answer = _failed(scope, error, handled)
        else:
            raise error  # cancellation and the like go on
    if not _on_response:
        return answer
    response = as_response(answer)
    for hook in _on_response:
        replaced = await _result(hook(request, response))
        if replaced is not None:
            response = replaced
    return response


async def _answer(scope):
    """What the hooks or the handler answer, the dependencies made."""
    answer = await _before(scope, _on_request) if _on_request else None
    if answer is None and _pre_validation:
        answer = await _before(scope, _pre_validation)
    if answer is not None:
        return answer
    problem = scope.request._problem
    if problem is not None:  # the server's answer (a 422 of the typed checks, a 404, ...), after those hooks
        for hook in _on_error if problem.status >= 400 else ():
            handled = await _result(hook(scope.request, HTTPError(problem.status, _detail(problem), problem.headers)))
            if handled is not None:
                return handled
        return problem
    values = await _values(scope, scope.route.plan)
    answer = await _before(scope, _pre_handler) if _pre_handler else None
    if answer is not None:
        return answer
    plan = scope.route.plan
    if plan.is_async:
        return await plan.call(values)
    if scope.route.mode == Mode.ASYNC:
        # A sync handler, which may block, in a route whose other parts await:
        # on the blocking threads, never on the loop.
        return await _loop.run_blocking(functools.partial(plan.call, values))
    return plan.call(values)


def _detail(problem) -> str:
    """The reason the server gave in its answer ({"error": ...}), or the body."""
    try:
        return json.loads(problem.body)["error"]
    except (ValueError, TypeError, KeyError):
        return problem.body.decode("utf-8", "replace") if isinstance(problem.body, bytes) else str(problem.body)


async def _result(value):
    """A hook's or a factory's result, awaited if it is awaitable."""
    return await value if inspect.isawaitable(value) else value


async def _before(scope, hooks_of_a_kind):
    """The first answer one of these request hooks gives, or None."""
    for hook in hooks_of_a_kind:
        answer = await _result(hook(scope.request))
        if answer is not None:
            return answer
    return None


async def _values(scope, plan):
    """The values of `plan`'s parameters, in order, each dependency made now."""
    values = []
    for _, kind, detail in plan.sources:
        if kind == "request":
            values.append(scope.request)
        elif kind == "path":
            values.append(scope.request.path_params[detail])
        elif kind == "pool":
            values.append(scope.pool)
        elif kind == "value":
            value = scope.request._values[detail.index]
            values.append(value if detail.member is None else value[detail.member])
        elif isinstance(detail.provide, Provide):
            values.append(await _make(scope, detail))
        else:
            values.append(detail.provide.value)  # a plain value: nothing to make
    return values


async def _make(scope, dependency):
    """The value of a dependency made by a factory (awaited, when it is async)."""
    provided = dependency.provide
    key = dependency.key
    if provided.singleton and key in _singletons:
        return _singletons[key]
    if provided.use_cache and scope.cache and key in scope.cache:
        return scope.cache[key]
    plan = dependency.plan
    value = plan.call(await _values(scope, plan) if plan.sources else ())
    if plan.is_async:
        value = await value
    elif plan.is_generator or plan.is_async_generator:
        generator = value
        value = next(generator) if plan.is_generator else await generator.__anext__()
        if provided.singleton:
            _singleton_cleanups.append(generator)
        else:
            scope.generators = (scope.generators or []) + [(generator, provided.after_response)]
    if provided.singleton:
        _singletons[key] = value
    elif provided.use_cache:
        scope.cache = scope.cache or {}
        scope.cache[key] = value
    return value


def _failed(scope, error, answer):
    """After on_error hooks: their answer, else the default 500. With no
    on_response hook to show it to, the exception goes back to the server,
    which reports it (and answers 500) as for any handler."""
    if answer is not None:
        return answer
    if not _on_response:
        raise error
    request = scope.request
    _log_exception(f"{request.method} {request.path} ({_planning.describe(scope.route.handler)})", error)
    return HTTPError(500, "internal server error")


def abandon(task, job_id=None):
    """Nobody will read the answer (JobEvent.ABANDONED): the handler's Task, or
    a blocking handler's future (which stops only if it has not started), is
    cancelled; with a job_id, its clean-ups run once it is done."""
    _loop.cancel(task)
    if job_id is not None:
        task.add_done_callback(lambda _: written(job_id))


async def _clean_up(scope, job_id, error):
    """The request's clean-ups (what follows each generator dependency's
    `yield`), last made first. Those that wait for the response to be written
    are kept for written(); the others run now, before the answer is sent,
    with the request's exception, if any, thrown in at their `yield` (so
    their except and finally blocks run). The request's exception after
    them: the same, or one a clean-up raised."""
    later = [g for g, after_response in scope.generators if after_response]
    if later:
        _cleanups[job_id] = later
    for generator, after_response in reversed(scope.generators):
        if not after_response:
            raised = await _resume(generator, error)
            if raised is not None:
                error = raised
    return error


async def _resume(generator, error=None):
    """Resumes a dependency generator past its `yield`, `error` thrown in when
    there is one; what it raised (None when it ended as it should)."""
    is_async = inspect.isasyncgen(generator)
    try:
        if error is None:
            await generator.__anext__() if is_async else next(generator)
        else:
            await generator.athrow(error) if is_async else generator.throw(error)
    except (StopIteration, StopAsyncIteration):
        return None
    except BaseException as raised:
        return raised
    # A dependency generator yields once; one that yields again is closed.
    await generator.aclose() if is_async else generator.close()
    return RuntimeError(f"the dependency {generator.__qualname__} yielded more than once; it was closed")


async def _clean_up_later(generators):
    """Clean-ups with no answer left to change: each one's failure is logged."""
    for generator in reversed(generators):
        raised = await _resume(generator)
        if raised is not None:
            _log_exception(f"the clean-up of {generator.__qualname__}", raised)


def written(job_id):
    """The answer of `job_id` has been written, or its client has gone
    (JobEvent.WRITTEN): its dependencies provided with
    cleanup="after_response" resume past their `yield`, last made first, on
    the loop if one is async, else on the blocking threads (they may block)."""
    generators = _cleanups.pop(job_id, None)
    if not generators:
        return
    if any(inspect.isasyncgen(g) for g in generators):
        task = _loop.loop().create_task(_clean_up_later(generators), name="snasio clean-up")
        _cleaning.add(task)
        task.add_done_callback(_cleaning.discard)
    else:
        _loop.blocking_pool().submit(_run_now, _clean_up_later(generators))


def startup():
    """Runs the start-up hooks, in order, on the loop; the first that raises stops start-up."""
    global _on_request, _pre_validation, _pre_handler, _on_response, _on_error
    _on_request, _pre_validation, _pre_handler, _on_response, _on_error = (
        _planning.served.hooks[k] for k in hooks.REQUEST_KINDS)

    async def run():
        for hook in _planning.served.hooks["startup"]:
            await _result(hook())
    _loop.run_until_complete(run())


def shutdown():
    """Runs the shutdown hooks (one that raises is logged), then cleans up what
    is still open: the generators of answers never written, then the singletons."""
    async def run():
        for hook in _planning.served.hooks["shutdown"]:
            try:
                await _result(hook())
            except Exception as error:
                _log_exception(f"shutdown hook {_planning.describe(hook)}", error)
        if _cleaning:  # background tasks and clean-ups still running: the drain deadline bounds the wait
            await asyncio.wait(set(_cleaning))
        for job_id in list(_cleanups):
            await _clean_up_later(_cleanups.pop(job_id))
        await _clean_up_later(_singleton_cleanups)
        _singleton_cleanups.clear()
        _singletons.clear()
    _loop.run_until_complete(run())
