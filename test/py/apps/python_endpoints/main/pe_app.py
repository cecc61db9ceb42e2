"""The app test_python_endpoints.py serves: one route per behaviour it checks."""

import asyncio
import time

from snasio import HTTPError, Request, Response, route


# --- JSON round trip -------------------------------------------------------

@route("/echo", methods=["POST"])
def echo(request: Request):
    # Wrapped, so a top-level str/int/None body still comes back as JSON.
    return {"v": request.body}


# --- a Request after its handler: kept by the handler, or made anew --------

KEPT = []


@route("/req/seen", methods=["GET", "POST"])
def req_seen(request):
    """What this request carries, read lazily; `keep` holds the Request on."""
    if "keep" in request.query_params:
        KEPT.append(request)
    return {"id": id(request), **seen(request)}


@route("/req/seen-async", methods=["GET", "POST"])
async def req_seen_async(request):
    return {"id": id(request), **seen(request)}


@route("/req/kept")
def req_kept(request):
    return [seen(r) for r in KEPT]


def seen(request):
    return {"method": request.method, "path": request.path, "query": request.query_params_multi,
            "header": request.headers.get("x-mark"), "body": request.body, "cookies": request.cookies}


# --- return types and status mapping ---------------------------------------

@route("/ret/dict")
def ret_dict(request):
    return {"a": 1, "nested": {"b": [True, None]}}


@route("/ret/list")
def ret_list(request):
    return [1, "two", None, 3.5]


@route("/ret/str")
def ret_str(request):
    return "héllo ✓ wörld"


@route("/ret/bytes")
def ret_bytes(request):
    return b"\x00\x01binary\xff"


@route("/ret/none")
def ret_none(request):
    return None


@route("/ret/tuple2")
def ret_tuple2(request):
    return {"created": True}, 201


@route("/ret/tuple2-none")
def ret_tuple2_none(request):
    return None, 202


@route("/ret/tuple3-dict")
def ret_tuple3_dict(request):
    return "made", 201, {"X-One": "1", "X-Two": "two"}


@route("/ret/tuple3-list")
def ret_tuple3_list(request):
    return b"raw", 202, [("X-Multi", "a"), ("X-Multi", "b"), ("X-Single", "s")]


@route("/ret/response")
def ret_response(request):
    return Response({"ok": True}, status=203, headers={"X-R": "r"},
                    content_type="application/vnd.snasio+json")


@route("/ret/response-text")
def ret_response_text(request):
    return Response("short and stout", 418, [("X-Pot", "tea")])


@route("/ret/response-default")
def ret_response_default(request):
    return Response("just text")


@route("/ret/header-content-type")
def ret_header_content_type(request):
    return "<p>hi</p>", 200, {"Content-Type": "text/html; charset=utf-8"}


@route("/ret/status/<int:status>")
def ret_status(request):
    # A body the status may forbid (204, 304): the server must not send it.
    return "a body", request.path_params["status"]


@route("/dir/")
def directory(request):
    return {"dir": True, "query": request.query_params}


# --- values that cannot become a response -----------------------------------

@route("/bad/<kind>")
def bad(request):
    kind = request.path_params["kind"]
    return {
        "object": lambda: object(),
        "tuple-status": lambda: ("x", 99, {}),
        "str-status": lambda: ("x", "200"),
        "bool-status": lambda: ("x", True),
        "tuple-4": lambda: ("x", 200, {}, "extra"),
        "header-crlf": lambda: ("x", 200, {"X-Bad": "a\r\nInjected: yes"}),
        "header-name": lambda: ("x", 200, {"Bad Name": "v"}),
        "header-framing": lambda: ("x", 200, {"Content-Length": "1"}),
        "headers-type": lambda: ("x", 200, "X-A: b"),
        "nan": lambda: {"v": float("nan")},
        "inf": lambda: [float("inf")],
        "int-key": lambda: {1: "one"},
        "nested-object": lambda: {"v": [1, {"deep": object()}]},
        "response-status": lambda: Response("x", status=1000),
        "huge-status": lambda: ("x", 2**70),
        "surrogate": lambda: "lone \ud800 surrogate",
        "header-value-type": lambda: ("x", 200, {"X-Count": 5}),
        "content-type-type": lambda: Response("x", content_type=5),
        "header-pairs": lambda: ("x", 200, [("X-Lonely",)]),
        "header-surrogate": lambda: ("x", 200, {"X-A": "\ud800"}),
        "headers-items": lambda: ("x", 200, _ItemsNotAList()),
        "cookies-not-a-list": lambda: _broken_response("_cookies", "Set-Cookie: x"),
        "cookie-not-text": lambda: _broken_response("_cookies", [5]),
        "response-without-body": lambda: _broken_response("body", None, delete=True),
    }[kind]()


class _ItemsNotAList:
    """A headers object whose items() is no list of pairs."""

    def items(self):
        return iter([("X-A", "b")])


def _broken_response(attribute, value, delete=False):
    """A Response tampered with past what its methods allow."""
    r = Response("x")
    if delete:
        delattr(r, attribute)
    else:
        setattr(r, attribute, value)
    return r


# --- request fields ---------------------------------------------------------

@route("/req/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def req(request: Request):
    headers = request.headers
    body = request.body
    return {
        "method": request.method,
        "path": request.path,
        "path_params": request.path_params,
        "query_params": request.query_params,
        "query_params_multi": request.query_params_multi,
        "header_lower": headers.get("x-custom-thing"),
        "header_upper": headers["X-CUSTOM-THING"] if "X-CUSTOM-THING" in headers else None,
        "header_mixed_in": "x-CuStOm-ThInG" in headers,
        "header_all": headers.get_all("x-repeated"),
        "body_type": type(body).__name__,
        "body": body if isinstance(body, (str, type(None))) else repr(body),
        "raw_body_type": type(request.raw_body).__name__,
        "raw_body_hex": request.raw_body.hex(),
        "client": list(request.client),
        "client_types": [type(part).__name__ for part in request.client],
        "client_is_tuple": isinstance(request.client, tuple),
    }


@route("/typed/<int:i>/<float:f>/<uuid:u>/<path:p>")
def typed(request: Request):
    params = request.path_params
    return {
        "i": params["i"],
        "i_str": str(params["i"]),
        "f": params["f"],
        "u": str(params["u"]),
        "u_version": params["u"].version,
        "p": params["p"],
        "types": {name: type(value).__module__ + "." + type(value).__name__
                  for name, value in params.items()},
    }


# --- errors ---------------------------------------------------------------

@route("/err/http")
def err_http(request):
    raise HTTPError(409, "that name is taken")


@route("/err/http-bare")
def err_http_bare(request):
    raise HTTPError(404)


@route("/err/http-detail")
def err_http_detail(request):
    raise HTTPError(422, {"field": "age", "problem": "negative"})


@route("/err/boom")
def err_boom(request):
    def inner(tag):
        raise ValueError(f"kaboom-sync-{tag}")
    inner(request.query_params.get("tag", "untagged"))


@route("/err/async-boom")
async def err_async_boom(request):
    await asyncio.sleep(0)
    raise KeyError(f"kaboom-async-{request.query_params.get('tag', 'untagged')}")


@route("/err/http-headers")
def err_http_headers(request):
    raise HTTPError(401, "who are you?", headers={"WWW-Authenticate": 'Bearer realm="snasio"'})


@route("/err/http-bad-status")
def err_http_bad_status(request):
    raise HTTPError(200, "not an error status")


@route("/err/async-http")
async def err_async_http(request):
    await asyncio.sleep(0)
    raise HTTPError(403, "async says no")


@route("/err/async-bad")
async def err_async_bad(request):
    await asyncio.sleep(0)
    return {"a": object()}


# --- malformed JSON is refused before the handler runs -----------------------

_counter = {"n": 0}


@route("/count", methods=["POST"])
def count(request):
    _counter["n"] += 1
    return {"n": _counter["n"]}


@route("/count/value")
def count_value(request):
    return {"n": _counter["n"]}


# --- the GIL thread kept busy -------------------------------------------------

@route("/block")
def block(request):
    # Sync, not blocking=True: it runs inline and holds up the GIL thread.
    time.sleep(float(request.query_params.get("s", "1")))
    return {"blocked": True}


@route("/spin")
def spin(request):
    # Holds the GIL the whole time (no sleep releases it).
    end = time.monotonic() + float(request.query_params.get("s", "3"))
    spins = 0
    while time.monotonic() < end:
        spins += 1
    return {"spins": spins}
