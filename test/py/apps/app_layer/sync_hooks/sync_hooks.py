"""Only sync hooks and sync dependencies: every route runs inline on the GIL
thread, through the app layer's sync invoker."""

from snasio import HTTPError, Provide, on_error, on_request, on_response, pre_handler, provide, route


def counter(request):
    return request.query_params.get("n", "0")


provide("n", Provide(counter, use_cache=True))


@on_request
def gate(request):
    if request.query_params.get("stop") == "on_request":
        return "stopped early", 401
    return None


@pre_handler
def last_check(request):
    if request.query_params.get("stop") == "pre_handler":
        return {"stopped_by": "pre_handler"}, 409
    return None


@on_error
def handle_value_error(request, exc):
    if isinstance(exc, ValueError):
        return {"bad value": str(exc)}, 400
    return None


@on_response
def stamp(request, response):
    response.headers["X-Stamp"] = request.path


@route("/sync/ok")
def ok(n):
    return {"n": n}


@route("/sync/value-error")
def value_error(n):
    raise ValueError("n must be odd")


@route("/sync/crash")
def crash():
    raise ZeroDivisionError("divided")


@route("/sync/http-error")
def http_error():
    raise HTTPError(404, "no such thing")
