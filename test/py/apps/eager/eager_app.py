"""Async handlers as standard asyncio code writes them: the current task,
timeouts, task groups, context variables, cancellation. snasio runs an
async handler's steps itself, without a Task, until it waits on a future
(test/py/test_async_handlers.py)."""

import asyncio
import contextvars
import sys

from snasio import route

who = contextvars.ContextVar("who", default="nobody")


def describe(first):
    now = asyncio.current_task()
    return {"name": first.get_name(), "same_name": now.get_name() == first.get_name(),
            "cancelling": now.cancelling(), "done": first.done(), "is_task": isinstance(now, asyncio.Task)}


@route("/current/now")
async def current_now(request):
    return describe(asyncio.current_task())


@route("/current/after-a-wait")
async def current_after_a_wait(request):
    # What the first step calls the current task stands for the Task after
    # a wait on a future: the same name, the same cancellation.
    first = asyncio.current_task()
    await asyncio.sleep(0.001)
    asyncio.current_task().cancel()
    first.uncancel()
    return describe(first)


@route("/timeout/<int:ms>")
async def timeout(request):
    # One that expires while the handler waits, and one entered and left in the first step.
    async with asyncio.timeout(10):
        pass
    try:
        async with asyncio.timeout(request.path_params["ms"] / 1000):
            await asyncio.sleep(5)
    except TimeoutError:
        return {"timed_out": True, "cancelling": asyncio.current_task().cancelling()}
    return {"timed_out": False}


async def child(delay, value):
    await asyncio.sleep(delay)
    if value is None:
        raise ValueError("a child fails")
    return value


@route("/taskgroup/<int:fail>")
async def taskgroup(request):
    try:
        async with asyncio.TaskGroup() as tg:
            a = tg.create_task(child(0.01, 1))
            b = tg.create_task(child(0.02, None if request.path_params["fail"] else 2))
            slow = tg.create_task(child(5, 3))
            if not request.path_params["fail"]:
                slow.cancel()
    except* ValueError as group:
        failed = [str(e) for e in group.exceptions]
    else:
        return {"sum": a.result() + b.result(), "slow_cancelled": slow.cancelled()}
    return {"failed": failed, "slow_cancelled": slow.cancelled()}


@route("/context/<name>")
async def context(request):
    # Each request's handler has its own context, from its first step on.
    who.set(request.path_params["name"])
    await asyncio.sleep(0.05)
    return {"who": who.get()}


@route("/cancel-self")
async def cancel_self(request):
    # A cancel asked for in the first step arrives at the first wait, as with a Task.
    asyncio.current_task().cancel()
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        left = asyncio.current_task().uncancel()
        return {"cancelled_at_first_wait": True, "left": left}
    return {"cancelled_at_first_wait": False}


@route("/no-task-yet")
async def no_task_yet(request):
    # What only a Task has is not there before the first wait, and says why.
    try:
        asyncio.current_task().add_done_callback(lambda _: None)
    except AttributeError as error:
        return {"error": str(error)}
    return {"error": None}


@route("/current/after-a-yield")
async def current_after_a_yield(request):
    # A bare yield (asyncio.sleep(0)) parks the handler until the loop's next
    # iteration, as a Task would be: what was ready meanwhile ran; the server
    # steps it on, the same object its current task.
    first = asyncio.current_task()
    ran = []
    asyncio.get_running_loop().call_soon(ran.append, "between")
    await asyncio.sleep(0)
    same = asyncio.current_task() is first
    await asyncio.sleep(0)
    return {**describe(first), "same_object": same, "ran": ran}


@route("/context-yielding/<name>")
async def context_yielding(request):
    # Each parked handler is stepped on in its own context.
    who.set(request.path_params["name"])
    for _ in range(3):
        await asyncio.sleep(0)
    return {"who": who.get()}


@route("/timeout-yielding")
async def timeout_yielding(request):
    # A timeout that expires while the handler yields, parked, again and again.
    try:
        async with asyncio.timeout(0.02):
            while True:
                await asyncio.sleep(0)
    except TimeoutError:
        return {"timed_out": True, "cancelling": asyncio.current_task().cancelling()}


_yielders = {}


@route("/yield-forever/<key>")
async def yield_forever(request):
    # Never waits on a future: cancelled (its client left, the server
    # stops), it gets the CancelledError at its yield, as in a Task.
    key = request.path_params["key"]
    _yielders[key] = "yielding"
    try:
        while True:
            await asyncio.sleep(0)
    except asyncio.CancelledError:
        _yielders[key] = "cancelled"
        print(f"yielder {key} cancelled", file=sys.stderr, flush=True)
        raise


@route("/yielders/<key>")
def yielders(request):
    return {"state": _yielders.get(request.path_params["key"])}
