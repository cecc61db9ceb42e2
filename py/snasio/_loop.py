"""The GIL thread's event loop and what runs on it besides inline handlers.

snasio-serve calls run() on its GIL thread; the loop sleeps in epoll with the
GIL released until the job queue's eventfd says jobs are waiting, then the
server's `_run_batch` runs a whole batch. Handlers that cannot finish inline
(async handlers, blocking=True handlers, sync process-pool handlers) are
started here and report back through `_handler_done`.

The server looks each function it calls here up once, at start-up.
"""

import asyncio
import functools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from _snasio import _flush, _handler_done

from snasio import _worker, app

_loop = None
_pool = None           # the ProcessPoolExecutor, created on first use
_pool_workers = None
_dispatch = None       # the ThreadPoolExecutor for blocking=True handlers
_dispatch_workers = 4


def start(pool_workers, dispatch_workers):
    """Makes the loop and runs the app's start-up hooks on it; an exception
    from a hook stops start-up."""
    global _loop, _pool_workers, _dispatch_workers
    _pool_workers = pool_workers or os.cpu_count() or 1
    _dispatch_workers = dispatch_workers
    _loop = _new_loop()
    asyncio.set_event_loop(_loop)
    try:
        _loop.run_until_complete(app._startup())
    except BaseException:
        _shut_down(hooks=False)
        raise


def run(wake_fd, run_batch):
    """Runs the loop until the server closes the job queue."""

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
        _shut_down()


def _new_loop():
    """uvloop when it is installed (its loop machinery is compiled, the default
    one is Python code run for every task step), else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _shut_down(hooks=True):
    """Cancels what is still running, runs the shutdown hooks, stops the
    pools, closes the loop."""
    global _pool, _dispatch, _loop
    tasks = asyncio.all_tasks(_loop)
    for task in tasks:
        task.cancel()
    if tasks:
        _loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    if hooks:
        _loop.run_until_complete(app._shutdown())
    _loop.run_until_complete(_loop.shutdown_asyncgens())
    # Cancel the pool's queued work first: sync pool handlers on the dispatch
    # threads wait on it, and the dispatch pool's shutdown waits for them.
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
    if _dispatch is not None:
        _dispatch.shutdown(wait=True, cancel_futures=True)
        _dispatch = None
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
    _loop.close()
    _loop = None


async def _run(coro, job_id):
    """Awaits an async handler and hands its outcome to the server as soon as
    it is known (no done-callback round through the loop)."""
    try:
        result = await coro
    except BaseException as error:
        _handler_done(job_id, None, error)
        # An ordinary exception is reported, once, and the task ends quietly;
        # cancellation (and the like) propagates, so the task ends cancelled
        # as asyncio expects.
        if not isinstance(error, Exception):
            raise
        return
    _handler_done(job_id, result, None)


def schedule_flush():
    """Replies finished during this loop iteration go back together, next iteration."""
    _loop.call_soon(_flush)


def _report(job_id, future):
    """Hands a finished blocking handler's result or exception to the server."""
    if future.cancelled():
        _handler_done(job_id, None, asyncio.CancelledError())
        return
    error = future.exception()
    if error is not None:
        _handler_done(job_id, None, error)
    else:
        _handler_done(job_id, future.result(), None)


def start_task(coro, job_id, name):
    """Runs an async handler's coroutine as a Task named after its route; the
    server keeps the Task, to cancel it if the client leaves."""
    # asyncio.Task itself, as create_task makes it, but named at birth: given
    # no name, a Task formats a fresh "Task-N" for itself. A task factory the
    # app installed still decides.
    if _loop.get_task_factory() is None:
        return asyncio.Task(_run(coro, job_id), loop=_loop, name=name)
    return _loop.create_task(_run(coro, job_id), name=name)


def _dispatch_pool():
    global _dispatch
    if _dispatch is None:
        _dispatch = ThreadPoolExecutor(max_workers=_dispatch_workers, thread_name_prefix="snasio-dispatch")
    return _dispatch


def start_blocking(func, args, kwargs, job_id):
    """Runs a blocking sync handler on the dispatch thread pool."""
    call = functools.partial(func, *args, **kwargs) if kwargs else functools.partial(func, *args)
    future = _loop.run_in_executor(_dispatch_pool(), call)
    future.add_done_callback(functools.partial(_report, job_id))
    return future


def run_blocking(call):
    """Awaitable: a sync handler's call run on the dispatch thread pool (for
    routes whose hooks and dependencies run on the loop first)."""
    return _loop.run_in_executor(_dispatch_pool(), call)


def cancel(task, job_id=None):
    """The client went away: cancel its handler's Task (or a blocking
    handler's future, which stops it only if it has not started). With a
    job_id, the request's dependencies are cleaned up once the task is done."""
    task.cancel()
    if job_id is not None:
        task.add_done_callback(lambda _: app._written(job_id))


def pool():
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

