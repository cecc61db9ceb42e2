"""The application layer, end to end against the real binary: handler
signatures, dependency injection, lifecycle and request hooks, routers and
configuration from the app."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SERVE, Client, Server, fetch

APPS = ROOT / "test" / "py" / "apps" / "app_layer"


get = fetch  # one request on a fresh connection: (status, headers, parsed body)


def run_to_exit(*args, env=None, timeout=30):
    """snasio-serve expected to stop by itself: (exit code, stdout, stderr)."""
    p = subprocess.run([str(SERVE), "--port", "0", *args], capture_output=True, text=True, timeout=timeout,
                       env=env)
    return p.returncode, p.stdout, p.stderr


def wait_until(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# -- handler signatures ---------------------------------------------------------------

@pytest.fixture(scope="module", params=["direct", "through hooks"])
def signatures(request):
    """The signatures app served twice: handlers called directly from C++, and
    (with a request hook present) through the app layer's invoker."""
    modules = ["--module", "signatures", "--module", "postponed"]
    if request.param == "through hooks":
        modules += ["--module", "passthrough"]
    srv = Server(["--app-dir", str(APPS / "signatures"), *modules, "--pool-workers", "1"])
    yield srv
    srv.stop()


@pytest.mark.parametrize("path, expected", [
    ("/sig/plain", {"request": ["/sig/plain", "str"]}),
    ("/sig/users/42", {"user_id": [42, "int"]}),
    ("/sig/both/7", {"user_id": [7, "int"], "path": ["/sig/both/7", "str"]}),
    ("/sig/other-name/ann", {"name": ["ann", "str"], "req": ["Request", "str"]}),
    ("/sig/gap/bob", {"name": ["bob", "str"], "flag": [True, "bool"], "req": ["/sig/gap/bob", "str"]}),
    ("/sig/defaults/5", {"n": [5, "int"], "limit": [10, "int"], "label": ["none", "str"]}),
    ("/sig/nothing", {}),
    ("/sig/keyword-only/2.5", {"x": [2.5, "float"], "method": ["GET", "str"]}),
    ("/sig/async/9", {"user_id": [9, "int"], "path": ["/sig/async/9", "str"]}),
    ("/sig/blocking/11", {"user_id": [11, "int"]}),
    ("/sig/blocking-gap/12", {"user_id": [12, "int"], "unused": [3, "int"], "path": ["/sig/blocking-gap/12", "str"]}),
    ("/sig/pool/6", {"square": [36, "int"]}),
    ("/sig/pool-async/7", {"square": [49, "int"]}),
    ("/sig/pool-without-pool/8", {"n": [8, "int"]}),
    ("/sig/positional-only/4", {"n": [4, "int"], "extra": [1, "int"], "path": ["/sig/positional-only/4", "str"]}),
    ("/post/users/3", {"user_id": 3, "type": "int"}),
    ("/post/other-name/eve", {"name": "eve", "req": "Request"}),
    ("/post/clock/4", {"n": 4, "clock": "tick", "path": "/post/clock/4"}),
])
def test_each_signature_form_gets_its_values(signatures, path, expected):
    status, _, body = get(signatures, path)
    assert status == 200, body
    assert body == expected


def test_converted_values_reach_parameters_by_placeholder_name(signatures):
    id_ = uuid.uuid4()
    status, _, body = get(signatures, f"/sig/converters/{id_}/a/b/c")
    assert status == 200
    assert body == {"id": [str(id_), "UUID"], "rest": ["a/b/c", "str"]}
    assert get(signatures, f"/sig/uuid-type/{id_}")[2] == {"id": [str(id_), "UUID"]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user_id=st.integers(min_value=0, max_value=10**30))
def test_int_placeholder_becomes_the_parameter_exactly(signatures, user_id):
    status, _, body = get(signatures, f"/sig/users/{user_id}")
    assert status == 200
    assert body == {"user_id": [user_id, "int"]}


# Generated handlers: any mix of the ways a parameter is filled, in any order,
# some keyword-only, sync, async or blocking, with or without postponed
# annotations, called directly or through the invoker. Each handler reports
# what it received; the test knows what each parameter should have got.
PARAMETER_KINDS = ["request", "annotated_request", "path_int", "path_str", "dep_type", "dep_name", "default"]


@st.composite
def handler_specs(draw):
    kinds = draw(st.lists(st.sampled_from(PARAMETER_KINDS), max_size=6))
    if kinds.count("request") > 1:  # one parameter can be named `request`
        kinds = [k for i, k in enumerate(kinds) if k != "request" or kinds.index("request") == i]
    return {
        "kinds": kinds,
        "keyword_only_from": draw(st.integers(min_value=0, max_value=len(kinds))),
        "mode": draw(st.sampled_from(["sync", "async", "blocking"])),
        "postponed": draw(st.booleans()),
        "hooks": draw(st.booleans()),
        # A value for each path placeholder, drawn only where there is one.
        "ints": [draw(st.integers(0, 10**12)) if k == "path_int" else 0 for k in kinds],
        "texts": [draw(st.text("abcxyz-_", min_size=1, max_size=8)) if k == "path_str" else "" for k in kinds],
    }


def write_generated_app(directory, spec):
    params, placeholders, expected, provides = [], [], {}, []
    for i, kind in enumerate(spec["kinds"]):
        if kind == "request":
            name, text = "request", "request"
            expected[name] = "request"
        elif kind == "annotated_request":
            name, text = f"r{i}", f"r{i}: Request"
            expected[name] = "request"
        elif kind == "path_int":
            name, text = f"p{i}", f"p{i}: int"
            placeholders.append((f"<int:{name}>", str(spec["ints"][i])))
            expected[name] = spec["ints"][i]
        elif kind == "path_str":
            name, text = f"s{i}", f"s{i}: str"
            placeholders.append((f"<{name}>", spec["texts"][i]))
            expected[name] = spec["texts"][i]
        elif kind == "dep_type":
            name, text = f"d{i}", f"d{i}: Dep{i}"
            provides.append(f"class Dep{i}:\n    pass\n\nprovide(Dep{i}, 'dep {i} by type')")
            expected[name] = f"dep {i} by type"
        elif kind == "dep_name":
            name, text = f"n{i}", f"n{i}"
            provides.append(f"provide('n{i}', 'dep {i} by name')")
            expected[name] = f"dep {i} by name"
        else:
            name, text = f"x{i}", f"x{i}={i * 7}"
            expected[name] = i * 7
        params.append(text)
    # Before the `*`, a parameter after one with a default needs a default too
    # (None here: the server fills it all the same).
    cut = spec["keyword_only_from"]
    defaulted = False
    for i in range(min(cut, len(params))):
        if "=" in params[i]:
            defaulted = True
        elif defaulted:
            params[i] += " = None"
    if cut < len(params):
        params.insert(cut, "*")
    pattern = "/gen" + "".join(f"/{p}" for p, _ in placeholders)
    path = "/gen" + "".join(f"/{v}" for _, v in placeholders)
    names = list(expected)
    report = "{" + ", ".join(f"{n!r}: ({n}.path if isinstance({n}, Request) else {n})" for n in names) + "}"
    decorator = f"@route({pattern!r}{', blocking=True' if spec['mode'] == 'blocking' else ''})"
    define = "async def" if spec["mode"] == "async" else "def"
    source = "\n".join([
        "from __future__ import annotations" if spec["postponed"] else "",
        "from snasio import Request, on_request, provide, route",
        *provides,
        "@on_request\ndef through(request):\n    return None" if spec["hooks"] else "",
        f"{decorator}\n{define} handler({', '.join(params)}):\n    return {report}",
    ])
    (directory / "generated.py").write_text(source + "\n")
    return path, {n: (path if v == "request" else v) for n, v in expected.items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=handler_specs())
def test_generated_signatures_get_what_each_parameter_names(tmp_path_factory, spec):
    directory = tmp_path_factory.mktemp("generated")
    path, expected = write_generated_app(directory, spec)
    srv = Server(["--app-dir", str(directory)])
    try:
        status, _, body = get(srv, path)
    finally:
        srv.stop()
    assert status == 200, (body, (directory / "generated.py").read_text())
    assert body == expected, (directory / "generated.py").read_text()


# -- start-up errors ---------------------------------------------------------------------

@pytest.mark.parametrize("module, needles", [
    ("missing_type", ["route GET /missing (missing_type.needs_database)",
                      "nothing provides parameter 'db: Database' of missing_type.needs_database"]),
    ("missing_name", ["route GET /users/<int:user_id> (missing_name.user)", "nothing provides parameter 'id'"]),
    ("missing_in_factory", ["route GET /repo (missing_in_factory.repo)",
                            "nothing provides parameter 'engine' of missing_in_factory.make_repository"]),
    ("cycle", ["route GET /cycle (cycle.cycle): dependency cycle: a -> b -> c -> a"]),
    ("var_args", ["route GET /var (var_args.var)", "*args", "nothing fills it"]),
    ("pool_elsewhere", ["nothing provides parameter 'pool'", "use_process_pool=True"]),
    ("factory_path", ["route GET /me (factory_path.without_placeholder)",
                      "nothing provides parameter 'user_id: int' of factory_path.load_user"]),
    ("positional_only", ["positional-only parameter 'request' of positional_only.positional_only"]),
    ("bad_annotation", ["route GET /bad (bad_annotation.bad): cannot read the parameters", "NoSuchType"]),
    ("startup_fails", ["a start-up hook failed", "ConnectionError: the database is not there",
                       "startup_fails.py"]),
])
def test_what_cannot_be_planned_or_started_stops_start_up_naming_it(module, needles):
    code, out, err = run_to_exit("--app-dir", str(APPS / "errors"), "--module", module)
    assert code == 1, err
    assert "listening" not in out
    for needle in needles:
        assert needle in err, err
    if module != "startup_fails":  # the app's mistake in one line, not snasio's traceback
        assert err.startswith("snasio-serve: cannot plan the app: route ") and "Traceback" not in err, err


# -- dependency injection -------------------------------------------------------------------

@pytest.fixture(scope="module")
def deps(tmp_path_factory):
    events = tmp_path_factory.mktemp("deps") / "events.log"
    env = {**os.environ, "SNASIO_TEST_EVENTS": str(events)}
    srv = Server(["--app-dir", str(APPS / "deps"), "--pool-workers", "1"], env=env)
    srv.events_file = events
    yield srv
    srv.stop()


def events_of(srv, tag):
    return [what for _, what in get(srv, f"/di/events?tag={tag}")[2]]


def test_dependencies_by_type_and_by_name(deps):
    assert get(deps, "/di/by-type", headers={"X-User": "ann"})[2] == {"db": "main", "user": "ann@main"}
    assert get(deps, "/di/by-type")[2] == {"db": "main", "user": "anonymous@main"}
    assert get(deps, "/di/by-name")[2] == {"greeting": "hello", "path": "/di/by-name"}


def test_a_factory_gets_the_path_placeholder_of_the_route(deps):
    assert get(deps, "/di/users/12")[2] == {"id": 12, "path": "/di/users/12"}


def test_a_singleton_is_made_once(deps):
    first = get(deps, "/di/singleton")[2]
    second = get(deps, "/di/singleton")[2]
    assert first == second
    assert first["made"] == 1


def test_use_cache_is_shared_within_a_request_and_not_across(deps):
    one = get(deps, "/di/cache")[2]
    two = get(deps, "/di/cache")[2]
    # The handler and the repository factory share one session per request...
    assert one["repository"]["session"] == one["handler_session"]
    assert two["repository"]["session"] == two["handler_session"]
    assert one["handler_session"] != two["handler_session"]
    # ...while an uncached dependency is made for each parameter that needs it.
    assert one["repository"]["fresh"] != one["handler_fresh"]


def test_generator_cleanup_runs_before_the_answer(deps):
    status, _, body = get(deps, "/di/generator?tag=g1")
    assert status == 200 and body == {"connection": "connection for g1"}
    assert events_of(deps, "g1") == ["open", "closed"]  # done before the answer was sent


def test_a_commit_after_yield_is_seen_by_the_clients_next_request():
    # The case: a POST then a GET on one keep-alive connection, 50 times.
    srv = Server(["--app-dir", str(APPS / "deps")])
    try:
        c = Client(srv)
        for i in range(1, 51):
            c.send(b"POST /di/count HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
                   b"GET /di/count HTTP/1.1\r\nHost: t\r\n\r\n")
            assert c.response().json() == {"count": i}
            assert c.response().json() == {"count": i}, f"round {i}: the GET did not see the POST's commit"
        c.send(b"POST /di/count?fail=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
               b"GET /di/count HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.response().status == 500
        assert c.response().json() == {"count": 50}  # rolled back: the failure reached the clean-up
        assert events_of(srv, "store") == ["rolled back"]
    finally:
        srv.stop()


def test_a_cleanup_after_the_response_does_not_delay_the_answer(deps):
    # Provide(..., cleanup="after_response"): the clean-up sleeps 1.5 s once the answer is written.
    began = time.monotonic()
    status, _, _ = get(deps, "/di/slow-cleanup?tag=slow")
    took = time.monotonic() - began
    assert status == 200
    assert took < 1.0, took
    assert wait_until(lambda: events_of(deps, "slow") == ["slowly closed"], timeout=5)


@pytest.mark.parametrize("path, status", [("/di/generator-raises", 500), ("/di/generator-http-error", 404)])
def test_generator_cleanup_runs_when_the_handler_raised(deps, path, status):
    assert get(deps, f"{path}?tag=raised{status}")[0] == status
    assert wait_until(lambda: events_of(deps, f"raised{status}") == ["open", "closed"])


def test_async_generator_over_a_generator_cleans_up_innermost_last(deps):
    status, _, body = get(deps, "/di/async-generator?tag=tx")
    assert status == 200
    assert body == {"transaction": "transaction on connection for tx"}
    assert wait_until(lambda: events_of(deps, "tx") == ["open", "begin", "end", "closed"])


def test_cleanup_runs_when_the_client_leaves_mid_handler(deps):
    with deps.connect() as s:
        s.sendall(b"GET /di/hang?tag=gone HTTP/1.1\r\nHost: t\r\n\r\n")
        assert wait_until(lambda: events_of(deps, "gone") == ["open"])
    assert wait_until(lambda: events_of(deps, "gone") == ["open", "closed"])


def test_cleanup_runs_when_the_client_leaves_before_a_sync_answer(deps):
    with deps.connect() as s:
        s.sendall(b"GET /di/sync-slow?tag=left HTTP/1.1\r\nHost: t\r\n\r\n")
        time.sleep(0.1)  # the handler holds the GIL thread for half a second
    assert wait_until(lambda: events_of(deps, "left") == ["open", "closed"])


def test_dependencies_of_blocking_and_pool_routes(deps):
    assert get(deps, "/di/blocking/3?tag=b")[2] == {"n": 3, "connection": "connection for b", "greeting": "hello"}
    assert wait_until(lambda: events_of(deps, "b") == ["open", "closed"])
    assert get(deps, "/di/pool/4")[2] == {"n": 4, "greeting": "hello", "pool": "ProcessPoolExecutor"}


def test_a_cleanup_that_fails_before_the_answer_makes_it_a_500(deps):
    assert get(deps, "/di/bad-cleanup")[0] == 500
    assert wait_until(lambda: "OSError: the clean-up failed" in deps.stderr())
    assert get(deps, "/di/yields-twice")[0] == 500
    assert wait_until(lambda: "yielded more than once" in deps.stderr())
    assert get(deps, "/di/by-name")[0] == 200


def test_cleanups_that_fail_after_the_response_are_logged_and_the_answer_stands(deps):
    assert get(deps, "/di/bad-cleanups-later")[2] == {"fragile": "fragile", "twice": "once"}
    assert wait_until(lambda: "error in the clean-up of breaks_on_cleanup" in deps.stderr())
    assert wait_until(lambda: "the dependency yields_twice yielded more than once" in deps.stderr())
    assert get(deps, "/di/by-name")[0] == 200


def test_singleton_cleanup_runs_at_shutdown(tmp_path):
    events = tmp_path / "events.log"
    srv = Server(["--app-dir", str(APPS / "deps")], env={**os.environ, "SNASIO_TEST_EVENTS": str(events)})
    try:
        assert get(srv, "/di/things")[2] == {"things": "the pool of things"}
        assert get(srv, "/di/things")[2] == {"things": "the pool of things"}
        assert events.read_text().splitlines() == ["singleton made"]
        srv.signal(signal.SIGTERM)
        assert srv.wait() == 0
    finally:
        srv.stop()
    assert events.read_text().splitlines() == ["singleton made", "singleton closed"]


# -- hooks ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hooks():
    srv = Server(["--app-dir", str(APPS / "hooks")])
    yield srv
    srv.stop()


FULL_TRACE = "on_request 1,on_request 2,dependency,pre_handler,handler,on_response 1,on_response 2"


def test_hooks_run_in_order_around_the_handler(hooks):
    status, headers, body = get(hooks, "/hooks/ok")
    assert status == 200 and body == {"dep": "dep"}
    assert headers["X-Trace"] == FULL_TRACE
    assert headers["X-Hooked"] == "200"


@pytest.mark.parametrize("path", ["/hooks/async/3", "/hooks/blocking"])
def test_hooks_wrap_async_and_blocking_handlers_too(hooks, path):
    status, headers, _ = get(hooks, path)
    assert status == 200
    assert headers["X-Trace"] == "on_request 1,on_request 2,pre_handler,handler,on_response 1,on_response 2"


def test_on_request_answers_before_dependencies_and_handler(hooks):
    status, headers, body = get(hooks, "/hooks/ok?stop=on_request")
    assert status == 403 and body == {"stopped_by": "on_request"}
    assert headers["X-Trace"] == "on_request 1,on_response 1,on_response 2"


def test_pre_handler_answers_after_dependencies_before_handler(hooks):
    status, headers, body = get(hooks, "/hooks/ok?stop=pre_handler")
    assert status == 409 and body == b"pre_handler says no"
    assert headers["X-Trace"] == "on_request 1,on_request 2,dependency,pre_handler,on_response 1,on_response 2"


def test_on_error_answers_for_an_exception(hooks):
    status, headers, body = get(hooks, "/hooks/key-error")
    assert status == 422 and body == {"handled": "KeyError", "key": "missing"}
    assert headers["X-Trace"].endswith("handler,on_error 1,on_response 1,on_response 2")
    status, headers, body = get(hooks, "/hooks/index-error")
    assert status == 410 and body == b"lookup failed" and headers["Content-Type"] == "text/x-lookup"
    assert "on_error 1,on_error 2" in headers["X-Trace"]


def test_unhandled_exception_is_the_default_500_and_on_response_sees_it(hooks):
    status, headers, body = get(hooks, "/hooks/crash")
    assert status == 500 and body == {"error": "internal server error"}
    assert headers["X-Hooked"] == "500"
    log = hooks.stderr()
    assert "error in GET /hooks/crash (hooks.crash)" in log and "RuntimeError: nobody handles this" in log


def test_http_error_reaches_on_response(hooks):
    status, headers, body = get(hooks, "/hooks/http-error")
    assert status == 418 and body == {"error": "short and stout"}
    assert headers["X-Pot"] == "tea" and headers["X-Hooked"] == "418"


def test_on_response_replaces_the_response(hooks):
    status, headers, body = get(hooks, "/hooks/replace")
    assert status == 202 and body == {"replaced": True, "was": 200}
    assert "X-Hooked" not in headers  # the replacement is what the later hooks and the client see
    assert headers["X-Trace"].endswith("on_response 1,on_response 2")


@pytest.mark.parametrize("kind, given", [("none", []), ("dict", ["dict"]), ("pairs", ["a", "b"]), ("tuple", ["tuple"])])
def test_response_headers_are_always_a_mutable_mapping(hooks, kind, given):
    status, headers, _ = get(hooks, f"/hooks/headers/{kind}")
    assert status == (201 if kind == "tuple" else 200)
    assert (headers.get_all("X-Given") or []) == given
    assert headers["X-Hooked"] == str(status)


def test_on_response_sees_the_servers_own_answers_but_native_routes_stay_native(hooks):
    # 404 and 405 are the server's, yet an app with on_response hooks sees
    # them (to add its security headers, say); /health is an embedding
    # program's native route: never the GIL's.
    for path, method, status in [("/nowhere", "GET", 404), ("/hooks/ok", "DELETE", 405)]:
        got, headers, _ = get(hooks, path, method=method)
        assert got == status
        assert headers["X-Hooked"] == str(status)
    got, headers, _ = get(hooks, "/health")
    assert got == 200 and "X-Hooked" not in headers and "X-Trace" not in headers


def test_startup_hooks_ran_in_order_and_every_hook_shares_one_loop(hooks):
    for n in range(5):
        get(hooks, f"/hooks/async/{n}")
        get(hooks, "/hooks/ok")
    status, _, body = get(hooks, "/hooks/state")
    assert body == {"startup": ["sync", "async"], "loops": 1}


def test_shutdown_hooks_run_after_the_last_request(tmp_path):
    events = tmp_path / "events.log"
    srv = Server(["--app-dir", str(APPS / "hooks")], env={**os.environ, "SNASIO_TEST_EVENTS": str(events)})
    try:
        with srv.connect() as s:
            s.sendall(b"GET /hooks/slow HTTP/1.1\r\nHost: t\r\n\r\n")
            assert wait_until(lambda: events.exists() and "resource made" in events.read_text())
            srv.signal(signal.SIGTERM)
            assert b"a resource" in s.recv(4096)
        assert srv.wait() == 0
        log = srv.stderr()
    finally:
        srv.stop()
    assert events.read_text().splitlines() == [
        "resource made", "slow request done", "shutdown hook (async)", "shutdown hook (sync)", "resource closed"]
    assert "error in shutdown hook hooks.failing_shutdown" in log and "the next still runs" in log


@pytest.fixture(scope="module")
def sync_hooks():
    srv = Server(["--app-dir", str(APPS / "sync_hooks"), "--module", "sync_hooks"])
    yield srv
    srv.stop()


@pytest.mark.parametrize("path, status, body", [
    ("/sync/ok?n=5", 200, {"n": "5"}),
    ("/sync/ok?stop=on_request", 401, b"stopped early"),
    ("/sync/ok?stop=pre_handler", 409, {"stopped_by": "pre_handler"}),
    ("/sync/value-error", 400, {"bad value": "n must be odd"}),
    ("/sync/crash", 500, {"error": "internal server error"}),
    ("/sync/http-error", 404, {"error": "no such thing"}),
])
def test_sync_hooks_run_inline_with_the_same_paths(sync_hooks, path, status, body):
    got, headers, data = get(sync_hooks, path)
    assert (got, data) == (status, body)
    assert headers["X-Stamp"] == path.partition("?")[0]  # on_response returned None: the response stands


def test_without_on_response_errors_go_back_to_the_server(start_server):
    srv = start_server("--app-dir", str(APPS / "sync_hooks"), "--module", "no_response_hook")
    assert get(srv, "/plain/type-error")[:3:2] == (400, b"type error handled")
    assert get(srv, "/plain/crash")[:3:2] == (500, {"error": "internal server error"})
    assert get(srv, "/plain/http-error")[:3:2] == (403, {"error": "forbidden"})
    assert "ZeroDivisionError: divided" in srv.stderr()


# -- routers ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def routers():
    srv = Server(["--app-dir", str(APPS / "routers")])
    yield srv
    srv.stop()


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/status", {"where": "api"}),
    ("GET", "/api/v1/users/5", {"user_id": 5, "method": "GET", "version": "v1"}),
    ("DELETE", "/api/v1/users/6", {"user_id": 6, "method": "DELETE", "version": "v1"}),
    ("GET", "/api/v1/admin/root", {"admin": "root"}),
    ("GET", "/shop/items/9", {"item": 9}),
    ("GET", "/top", {"where": "top"}),
])
def test_routers_serve_under_their_composed_prefixes(routers, method, path, body):
    assert get(routers, path, method=method)[2] == body


def test_prefixes_are_not_routes_of_their_own(routers):
    assert get(routers, "/users/5")[0] == 404
    assert get(routers, "/v1/users/5")[0] == 404
    assert get(routers, "/api/v1")[0] == 404


def test_route_table_shows_full_patterns(routers):
    log = routers.stderr()
    for line in ["route GET,DELETE /api/v1/users/<int:user_id> -> routers.user",
                 "route GET /api/v1/admin/<name> -> routers.admin_page [async]",
                 "route GET /shop/items/<int:item_id> -> more_routers.item"]:
        assert line in log, log


def test_router_misuse_is_refused_where_it_happens():
    code = textwrap.dedent("""
        from snasio import Router
        for bad in ("api", "/api/"):
            try:
                Router(prefix=bad)
            except ValueError as e:
                print("refused", e)
        r = Router(prefix="/r")
        try:
            r.include_router(r)
        except ValueError as e:
            print("refused", e)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "py")}).stdout
    assert out.count("refused") == 3, out
    assert "must start with '/'" in out and "cannot include itself" in out


# -- configuration from the app -----------------------------------------------------------

def test_app_settings_apply_where_the_command_line_is_silent(start_server):
    srv = start_server("--app-dir", str(APPS / "config"))
    assert get(srv, "/echo", "POST", body=b"x" * 16)[0] == 200
    status, _, body = get(srv, "/echo", "POST", body=b"x" * 17)
    assert status == 413 and "16 bytes" in body["error"]
    deep = json.dumps([[[[[1]]]]])
    assert get(srv, "/echo", "POST", body=deep, headers={"Content-Type": "application/json"})[0] == 400


def test_command_line_wins_over_the_app(start_server):
    srv = start_server("--app-dir", str(APPS / "config"), "--max-body-bytes", "100")
    assert get(srv, "/echo", "POST", body=b"x" * 100)[0] == 200
    assert get(srv, "/echo", "POST", body=b"x" * 101)[0] == 413


def test_print_config_names_each_value_and_its_source():
    code, out, err = run_to_exit("--app-dir", str(APPS / "config"), "--max-pipelined", "7", "--print-config")
    assert code == 0, err
    assert "listening" not in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]}
    assert rows["max_body_bytes"] == ["16", "app"]
    assert rows["drain_timeout"] == ["0.5", "app"]
    assert rows["max_pipelined"] == ["7", "command", "line"]  # the app's 3 loses
    assert rows["port"] == ["0", "command", "line"]
    assert rows["keepalive_timeout"] == ["5", "default"]
    assert rows["host"] == ["127.0.0.1", "default"]


@pytest.mark.parametrize("name", ["host", "port", "venv", "app_dir", "module", "workers", "reload", "uds"])
def test_settings_of_the_command_line_only_are_refused_in_configure(name):
    env = {**os.environ, "SNASIO_TEST_SETTING": f"{name}=1"}
    code, out, err = run_to_exit("--app-dir", str(APPS / "config"), env=env)
    assert code == 1 and "listening" not in out
    flag = "--" + name.replace("_", "-")
    assert f"configure(): {name} comes from the command line only ({flag})" in err, err


@pytest.mark.parametrize("setting, message", [
    ("max_bodybytes=1", "configure(): unknown setting 'max_bodybytes'"),
    ("max_body_bytes=lots", "configure(): invalid value 'lots' for --max-body-bytes"),
    ("header_timeout=0", "configure(): --header-timeout must be more than 0"),
])
def test_bad_settings_from_the_app_stop_start_up(setting, message):
    code, out, err = run_to_exit("--app-dir", str(APPS / "config"),
                                 env={**os.environ, "SNASIO_TEST_SETTING": setting})
    assert code == 1 and "listening" not in out
    assert message in err, err


def test_server_config_refuses_command_line_settings_at_once():
    code = "from snasio import ServerConfig\nServerConfig(port=80)"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "py")})
    assert p.returncode == 1
    assert "configure(): port comes from the command line only (--port)" in p.stderr


# -- the example app ---------------------------------------------------------------------

def test_example_notes_router_dependency_and_hook(start_server):
    from conftest import EXAMPLE_APP
    srv = start_server("--app-dir", str(EXAMPLE_APP))
    assert get(srv, "/notes")[2] == []
    status, _, body = get(srv, "/notes", "POST", body=b"buy milk")
    assert status == 401 and "X-Token" in body["error"]
    token = {"X-Token": "let-me-write", "Content-Type": "text/plain"}
    assert get(srv, "/notes", "POST", body=b"buy milk", headers=token)[:3:2] == (201, {"id": 1, "text": "buy milk"})
    assert get(srv, "/notes/1")[2] == {"id": 1, "text": "buy milk"}
    assert get(srv, "/notes")[2] == [{"id": 1, "text": "buy milk"}]
    assert get(srv, "/notes/1", "DELETE")[0] == 401
    assert get(srv, "/notes/1", "DELETE", headers=token)[0] == 204
    assert get(srv, "/notes/1")[0] == 404
    assert get(srv, "/users/7")[2] == {"id": 7, "name": "user 7"}
    assert "route GET,POST /notes -> notes.notes_list" in srv.stderr()
