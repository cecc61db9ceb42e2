"""The GIL thread's event loop, and what runs on it or beside it: Tasks for
async handlers, the blocking threads, the process pool.

snasio-serve calls start(), then run() on its GIL thread; the loop sleeps in
epoll with the GIL released until the job queue's eventfd says jobs or
events are waiting, then the server's `_run_batch` runs a whole batch. An
async handler's first step runs at once, without a Task (the server does it:
python/handler_call.cpp), and so does each step after a bare yield; one that
waits on a future is carried on by a Task made here, which reports back
through `_snasio._handler_done`. (Sync handlers run on
the server's sync threads, not here.) At the end the server calls close().
"""

import asyncio
import contextvars
import inspect
import multiprocessing
import os
import threading
import types
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

from _snasio import _flush, _handler_done, _resume_parked

from snasio import _worker

_loop = None
_thread_id = None      # the thread that runs the loop
_pool = None           # the ProcessPoolExecutor, created on first use
_pool_workers = None
_blocking = None       # the ThreadPoolExecutor of the blocking threads, created on first use
_blocking_threads = 4


def start(pool_workers: int, blocking_threads: int) -> None:
    """Makes the loop (uvloop's when it is installed) and sizes the pools."""
    global _loop, _thread_id, _pool_workers, _blocking_threads
    _pool_workers = pool_workers or os.cpu_count() or 1
    _blocking_threads = blocking_threads
    _loop = _new_loop()
    _thread_id = threading.get_ident()
    asyncio.set_event_loop(_loop)


def loop() -> asyncio.AbstractEventLoop:
    """The server's one event loop."""
    return _loop


def thread_id() -> int:
    """The thread that runs the loop (threading.get_ident())."""
    return _thread_id


def run_until_complete(coroutine):
    """Runs `coroutine` on the loop before (or after) it serves."""
    return _loop.run_until_complete(coroutine)


def run(wake_fd: int, run_batch) -> None:
    """Runs the loop until the server closes the job queue; then every Task
    still running is cancelled, and waited for."""

    def on_wake():
        if run_batch():
            # No second wake-up may stop the loop again: the server can write
            # the eventfd once more after the batch that saw the queue close,
            # and uvloop's stop() is a callback that would then stop the loop
            # that runs the shutdown hooks.
            _loop.remove_reader(wake_fd)
            _loop.stop()

    _loop.add_reader(wake_fd, on_wake)
    try:
        _loop.run_forever()
    finally:
        _loop.remove_reader(wake_fd)
        _cancel_all()


def _cancel_all() -> None:
    """Cancels every Task still running, and waits for them to end."""
    tasks = asyncio.all_tasks(_loop)
    for task in tasks:
        task.cancel()
    if tasks:
        _loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


def close() -> None:
    """Stops the pools and closes the loop (after the shutdown hooks, or a
    start-up hook that failed)."""
    global _pool, _blocking, _loop
    _cancel_all()
    _loop.run_until_complete(_loop.shutdown_asyncgens())
    # Cancel the pool's queued work first: sync pool handlers on the blocking
    # threads wait on it, and the blocking pool's shutdown waits for them.
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
    if _blocking is not None:
        _blocking.shutdown(wait=True, cancel_futures=True)
        _blocking = None
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
    _loop.close()
    _loop = None


def _new_loop():
    """uvloop when it is installed (its loop machinery is compiled, the default
    one is Python code run for every task step), else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


_NOT_STARTED = object()  # (a handler's coroutine not started yet)


async def _run(coroutine, job_id, waits_on=_NOT_STARTED, cancels=()):
    """Awaits an async handler and hands its outcome to the server as soon as
    it is known (no done-callback round through the loop). A handler whose
    steps ran already (python/handler_call.cpp, then carry_on) is stepped on
    from what it waits on."""
    try:
        if waits_on is _NOT_STARTED:
            result = await coroutine
        else:
            result = await _carry_on(coroutine, waits_on, cancels)
    except BaseException as error:
        _handler_done(job_id, None, error)
        # An ordinary exception is reported, once, and the task ends quietly;
        # cancellation (and the like) propagates, so the task ends cancelled
        # as asyncio expects.
        if not isinstance(error, Exception):
            raise
        return
    _handler_done(job_id, result, None)


@types.coroutine
def _carry_on(coroutine, waits_on, cancels):
    """Steps on a handler that waits on `waits_on` (a future, or None for a
    bare yield) since a step the server ran: each value or exception the Task
    sends goes to the handler where it waits. (A started coroutine that waits
    inside another cannot be awaited.) A cancel asked for before arrives at
    this wait, as it would in a Task."""
    if cancels:
        if isinstance(waits_on, asyncio.Future):
            waits_on.cancel()
        resume, value = coroutine.throw, asyncio.CancelledError(*cancels[-1:])
    else:
        try:
            resume, value = coroutine.send, (yield waits_on)
        except BaseException as thrown:
            resume, value = coroutine.throw, thrown
    while True:
        try:
            waits_on = resume(value)
        except StopIteration as done:
            return done.value
        try:
            resume, value = coroutine.send, (yield waits_on)
        except BaseException as thrown:
            resume, value = coroutine.throw, thrown


def start_task(coroutine, job_id: int, name: str) -> asyncio.Task:
    """Runs an async handler's coroutine as a Task named after its route (when
    it does not start eagerly: see eager_loop); the server keeps the Task, to
    cancel it if its answer is abandoned."""
    # asyncio.Task itself, as create_task makes it, but named at birth: given
    # no name, a Task formats a fresh "Task-N" for itself. A task factory the
    # app installed still decides.
    if _loop.get_task_factory() is None:
        return asyncio.Task(_run(coroutine, job_id), loop=_loop, name=name)
    return _loop.create_task(_run(coroutine, job_id), name=name)


def eager_loop():
    """The loop, when async handlers may start eagerly (each batch asks):
    their first step then runs at once, on the GIL thread, without a Task
    (python/handler_call.cpp), as Python 3.12's eager tasks run it; a
    handler that returns without waiting needs no Task at all. None when the
    app installed a task factory: it decides how every handler starts."""
    return _loop if _loop.get_task_factory() is None else None


def carry_on(task, coroutine, waits_on, job_id: int):
    """A Task carries on the handler whose step, run by the server, waits on
    `waits_on` (a future; None when it was cancelled at a bare yield);
    `task`, its current task until now, passes calls on to it from here."""
    task._task = asyncio.Task(_run(coroutine, job_id, waits_on, task._cancels or ()), loop=_loop, name=task._name,
                              context=task._context)
    return task


class HandlerTask:
    """What asyncio.current_task() is in the steps of an async handler the
    server runs itself, without a Task (eager_loop): its first, and each one
    after a bare yield (asyncio.sleep(0)), which parks the handler until the
    loop's next iteration. Once the handler waits on a future, a Task
    carries it on, and is the current task from there; this object then
    passes every call on to it: cancel(), cancelling() and uncancel() (what
    asyncio.timeout and TaskGroup, entered before, call later),
    add_done_callback()... Before then, a cancel() is kept for the next wait,
    and what only a Task has (its result, its callbacks) raises
    AttributeError. The server makes each one itself, filling its slots as
    __init__ would, and reads _task and _cancels (None until a cancel)."""

    __slots__ = ("_name", "_context", "_coro", "_job_id", "_task", "_cancels")

    def __init__(self, name, context, coro, job_id):
        self._name, self._context, self._coro, self._job_id = name, context, coro, job_id
        self._task, self._cancels = None, None

    def get_name(self):
        return self._task.get_name() if self._task else self._name

    def set_name(self, value):
        self._name = str(value)
        if self._task:
            self._task.set_name(value)

    def get_loop(self):
        return _loop

    def get_context(self):
        return self._context

    def get_coro(self):
        return self._coro

    def cancel(self, msg=None):
        if self._task:
            return self._task.cancel(msg)
        if self._cancels is None:
            self._cancels = []
        self._cancels.append(msg)
        return True

    def cancelling(self):
        return self._task.cancelling() if self._task else len(self._cancels or ())

    def uncancel(self):
        if self._task:
            return self._task.uncancel()
        if self._cancels:
            self._cancels.pop()
        return len(self._cancels or ())

    def done(self):
        return self._task.done() if self._task else False

    def cancelled(self):
        return self._task.cancelled() if self._task else False

    def __getattr__(self, name):
        if self._task is None:
            raise AttributeError(f"{name}: an async handler has no Task until it first waits on a future (snasio steps it until then)")
        return getattr(self._task, name)

    def __repr__(self):
        return f"<HandlerTask {self.get_name()!r} {'on ' + repr(self._task) if self._task else 'stepped by the server'}>"


def cancel(task) -> None:
    """Cancels a handler's Task (or a blocking handler's future). A Task
    cancelled before its first step never starts `_run`, so the handler's
    coroutine in it would never be awaited (or, started eagerly, never
    resumed), and Python would warn so when it is collected: that coroutine
    is closed here, quietly (its finally blocks run)."""
    if isinstance(task, HandlerTask):
        if task._task is None:
            # Parked at a bare yield, stepped by the server: a Task takes it
            # on, and delivers the cancel at its wait, as a Task would.
            task.cancel()
            carry_on(task, task._coro, None, task._job_id)
            return
        task = task._task
    run = task.get_coro() if isinstance(task, asyncio.Task) else None
    if getattr(run, "cr_code", None) is _run.__code__ and inspect.getcoroutinestate(run) == inspect.CORO_CREATED:
        run.cr_frame.f_locals["coroutine"].close()
    task.cancel()


def schedule_flush() -> None:
    """Replies finished during this loop iteration go back together, next iteration."""
    _loop.call_soon(_flush)


def schedule_resume() -> None:
    """The handlers parked at a bare yield (asyncio.sleep(0)) take their next
    step at the next loop iteration, as a Task's would."""
    _loop.call_soon(_resume_parked)


def blocking_pool() -> Executor:
    """The blocking threads: where the loop has sync code that may wait run
    (a sync generator's items, a file's pieces, the sync handler of a route
    whose other parts await)."""
    global _blocking
    if _blocking is None:
        _blocking = ThreadPoolExecutor(max_workers=_blocking_threads, thread_name_prefix="snasio-blocking")
    return _blocking


def run_blocking(call) -> asyncio.Future:
    """Awaitable: `call()` run on the blocking threads."""
    return _loop.run_in_executor(blocking_pool(), call)


def pool() -> ProcessPoolExecutor:
    """The ProcessPoolExecutor, created on first use; replaced once broken."""
    global _pool
    if _pool is not None and getattr(_pool, "_broken", False):
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
    if _pool is None:
        # forkserver: the server is multi-threaded, and fork() would copy
        # locks held by other threads into the child. sys.executable is the
        # right interpreter (set by the server), so the fork server runs it.
        context = multiprocessing.get_context("forkserver")
        _pool = ProcessPoolExecutor(max_workers=_pool_workers, mp_context=context, initializer=_worker.init)
    return _pool
