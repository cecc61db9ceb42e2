"""Async handlers run standard asyncio code: their first step runs at once,
without a Task (as Python 3.12's eager tasks run it), and so do the steps
after a bare yield; a Task carries on a handler that waits on a future.
What asyncio gives a Task's code still holds: current_task(), timeout(),
TaskGroup, context variables, cancellation."""

import concurrent.futures
import time

import pytest

from conftest import ROOT, Server, fetch

APP = ROOT / "test" / "py" / "apps" / "eager"


@pytest.fixture(scope="module")
def srv():
    s = Server(["--app-dir", str(APP)])
    yield s
    s.stop()


def test_the_current_task_is_named_after_the_route_and_stands_for_the_task_after_a_wait(srv):
    # A handler that does not wait runs with no Task at all (its current
    # task stands for one); after a wait, a Task is the current task, and
    # the first step's passes calls on to it (a cancel asked of one is taken
    # back through the other).
    assert fetch(srv, "/current/now")[2] == {"name": "eager_app.current_now", "same_name": True, "cancelling": 0,
                                             "done": False, "is_task": False}
    for _ in range(2):  # eagerly, then (its handler having waited on a future) as a Task from the start
        assert fetch(srv, "/current/after-a-wait")[2] == {"name": "eager_app.current_after_a_wait",
                                                          "same_name": True, "cancelling": 0, "done": False,
                                                          "is_task": True}


def test_a_bare_yield_parks_the_handler_for_one_loop_iteration_with_the_same_current_task(srv):
    # Twice: a bare yield does not make the route's later handlers start as Tasks.
    for _ in range(2):
        assert fetch(srv, "/current/after-a-yield")[2] == {
            "name": "eager_app.current_after_a_yield", "same_name": True, "cancelling": 0, "done": False,
            "is_task": False, "same_object": True, "ran": ["between"]}


def test_each_parked_handler_keeps_its_own_context(srv):
    names = [f"yielder-{i}" for i in range(16)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        got = list(pool.map(lambda n: fetch(srv, f"/context-yielding/{n}")[2]["who"], names))
    assert got == names


def test_a_timeout_expiring_while_the_handler_yields_is_a_timeout_error(srv):
    assert fetch(srv, "/timeout-yielding")[2] == {"timed_out": True, "cancelling": 0}


def wait_for_state(srv, key, state):
    deadline = time.monotonic() + 5
    while fetch(srv, f"/yielders/{key}")[2]["state"] != state and time.monotonic() < deadline:
        time.sleep(0.02)
    return fetch(srv, f"/yielders/{key}")[2]["state"]


def test_a_client_leaving_cancels_a_handler_that_only_yields(srv):
    sock = srv.connect()
    sock.sendall(b"GET /yield-forever/left HTTP/1.1\r\nHost: t\r\n\r\n")
    assert wait_for_state(srv, "left", "yielding") == "yielding"
    sock.close()
    assert wait_for_state(srv, "left", "cancelled") == "cancelled"
    assert fetch(srv, "/current/now")[0] == 200  # the loop is free again


def test_stopping_the_server_cancels_a_handler_that_only_yields():
    s = Server(["--app-dir", str(APP), "--drain-timeout", "0.3"])
    try:
        sock = s.connect()
        sock.sendall(b"GET /yield-forever/stop HTTP/1.1\r\nHost: t\r\n\r\n")
        assert wait_for_state(s, "stop", "yielding") == "yielding"
        s.signal(__import__("signal").SIGTERM)
        assert s.wait(timeout=10) == 0
        assert "yielder stop cancelled" in s.stderr()
    finally:
        s.stop()


def test_asyncio_timeout_expires_while_waiting_and_passes_when_left_in_the_first_step(srv):
    assert fetch(srv, "/timeout/20")[2] == {"timed_out": True, "cancelling": 0}


@pytest.mark.parametrize("fail, expected", [
    (0, {"sum": 3, "slow_cancelled": True}),
    (1, {"failed": ["a child fails"], "slow_cancelled": True}),
])
def test_a_task_group_collects_its_children_and_cancels_them_when_one_fails(srv, fail, expected):
    assert fetch(srv, f"/taskgroup/{fail}")[2] == expected


def test_each_request_has_its_own_context_from_its_first_step(srv):
    names = [f"client-{i}" for i in range(16)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        got = list(pool.map(lambda n: fetch(srv, f"/context/{n}")[2]["who"], names))
    assert got == names


def test_a_cancel_asked_for_in_the_first_step_arrives_at_the_first_wait(srv):
    assert fetch(srv, "/cancel-self")[2] == {"cancelled_at_first_wait": True, "left": 0}


def test_what_only_a_task_has_says_why_it_is_missing_before_the_first_wait(srv):
    error = fetch(srv, "/no-task-yet")[2]["error"]
    assert "no Task until it first waits on a future" in error


def test_a_handler_task_answers_for_itself_until_a_task_carries_the_handler_then_for_the_task(monkeypatch):
    # In-process, as the server uses it: the stand-in's own answers before
    # the first wait, the Task's after (python/handler_call.cpp makes it);
    # the bridge's functions stood in for.
    import asyncio
    import contextvars
    import importlib
    import sys
    import types

    import snasio

    reported = []
    monkeypatch.setitem(sys.modules, "_snasio", types.SimpleNamespace(_flush=None, _resume_parked=None,
                                                              _handler_done=lambda *a: reported.append(a)))
    assert "snasio._loop" not in sys.modules  # (the test process has no bridge)
    _loop = importlib.import_module("snasio._loop")

    loop = asyncio.new_event_loop()
    saved, _loop._loop = _loop._loop, loop
    try:
        async def handler():
            await asyncio.sleep(0)
            return 1

        coroutine, context = handler(), contextvars.copy_context()
        task = _loop.HandlerTask("app.handler", context, coroutine, 7)
        assert (task.get_name(), task.get_loop(), task.get_context(), task.get_coro()) == (
            "app.handler", loop, context, coroutine)
        assert repr(task) == "<HandlerTask 'app.handler' stepped by the server>"
        task.set_name("app.renamed")
        assert task.cancel("first") and task.cancelling() == 1 and task.uncancel() == 0 and task.uncancel() == 0
        assert not task.done() and not task.cancelled()
        with pytest.raises(AttributeError, match="no Task until it first waits on a future"):
            task.result()
        loop.call_soon(lambda: _loop.carry_on(task, coroutine, coroutine.send(None), 7))
        loop.run_until_complete(asyncio.sleep(0.01))
        assert repr(task).startswith("<HandlerTask 'app.renamed' on <Task")
        task.set_name("app.again")
        assert task._task.get_name() == "app.again" and task.done() and not task.cancelled()
        assert task.result() is None and reported == [(7, 1, None)]  # the value goes to the server, not to the Task
    finally:
        _loop._loop = saved
        loop.close()
        del sys.modules["snasio._loop"], snasio._loop  # bound to the stand-in bridge: no later test may get it
