"""Background tasks: work a handler schedules to run after its response is
sent, as FastAPI's and Starlette's users know them.

    @app.post("/signup")
    def signup(user: User, tasks: BackgroundTasks) -> dict:
        tasks.add_task(send_welcome, user.email)
        return {"ok": True}

Every App provides BackgroundTasks (a dependency made per request, cleaned
up after the response is written): coroutine functions run on the loop,
plain functions on the blocking threads, one after another in the order
added. A task that raises is logged with the request's id, and the ones
after it still run. At shutdown, tasks still running are awaited within the
drain deadline.
"""

import functools
import inspect

from snasio.request import Request


class BackgroundTasks:
    """The tasks one request has scheduled."""

    __slots__ = ("_tasks",)

    def __init__(self) -> None:
        self._tasks = []

    def add_task(self, func, *args, **kwargs) -> None:
        """Runs `func(*args, **kwargs)` after the response is sent."""
        if not callable(func):
            raise TypeError(f"add_task() takes a callable, not {type(func).__name__}")
        self._tasks.append((func, args, kwargs))

    async def _run(self, request_id: str) -> None:
        from _snasio import _log_exception  # the server's: run only in it
        from snasio import _loop
        for func, args, kwargs in self._tasks:
            try:
                if inspect.iscoroutinefunction(func):
                    await func(*args, **kwargs)
                else:
                    await _loop.run_blocking(functools.partial(func, *args, **kwargs))
            except Exception as error:
                name = getattr(func, "__qualname__", repr(func))
                _log_exception(f"background task {name} [request {request_id}]", error)


async def provide(request: Request):
    """The BackgroundTasks of a request; its tasks run once the answer is written."""
    tasks = BackgroundTasks()
    yield tasks
    if tasks._tasks:
        await tasks._run(request.request_id)
