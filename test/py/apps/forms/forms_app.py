"""Handlers for test_forms_cookies.py: forms, files, bodies, cookies both
ways, redirects."""

from snasio import Response, on_response, redirect, route

CALLS = {"form": 0}


def _file(f):
    return {"filename": f.filename, "content_type": f.content_type, "data": f.data.hex()}


@route("/form", methods=["POST"])
def form(request):
    CALLS["form"] += 1
    return {"form": request.form, "form_multi": request.form_multi,
            "files": {name: _file(f) for name, f in request.files.items()},
            "files_multi": {name: [_file(f) for f in fs] for name, fs in request.files_multi.items()}}


@route("/calls")
def calls(request):
    return CALLS


@route("/body", methods=["POST"])
def body(request):
    b = request.body
    return {"type": type(b).__name__, "body": b.hex() if isinstance(b, bytes) else b}


@route("/cookies")
def cookies(request):
    return request.cookies


@route("/set-cookies")
def set_cookies(request):
    response = Response({"ok": True}, headers={"X-From-Handler": "yes"})
    response.set_cookie("session", "abc123", max_age=3600, httponly=True, samesite="lax")
    response.set_cookie("theme", "dark", path="/app", domain="example.com", secure=True, samesite="None")
    response.delete_cookie("old")
    return response


@route("/bad-cookie")
def bad_cookie(request):
    response = Response({"sent": "never"})
    response.set_cookie("bad name", "v")
    return response


@route("/quoted-cookies")
def quoted_cookies(request):
    # Values a cookie cannot carry as they are: sent quoted, read back as they were.
    response = Response({"ok": True})
    for name, value in (("user", "Ada Lovelace"), ("city", "Łódź"), ("odd", 'a "b"; c\\d'), ("plain", "x")):
        response.set_cookie(name, value)
    return response


@on_response
def replace_headers(request, response):
    # A hook that replaces the headers outright keeps the cookies.
    if request.path == "/set-cookies":
        response.headers = {"X-Hooked": "yes"}
    return response


@route("/go")
def go(request):
    return redirect(request.query_params.get("to", "/target"), status=int(request.query_params.get("status", 302)))


@route("/bad-redirect")
def bad_redirect(request):
    return redirect("/target", status=200)


@route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def echo(request):
    return {"method": request.method, "query": request.query_params_multi,
            "content_type": request.headers.get("content-type"), "body": request.raw_body.decode("latin-1"),
            "x_test": request.headers.get("x-test")}


@route("/print/<marker>")
def print_marker(request):
    print(request.path_params["marker"])
    return {"printed": True}
