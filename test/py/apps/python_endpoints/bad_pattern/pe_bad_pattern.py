"""An app with a route pattern that uses an unknown converter."""

from snasio import route


@route("/ok")
def ok(request):
    return {"ok": True}


@route("/items/<foo:x>")
def items(request):
    return {"x": request.path_params["x"]}
