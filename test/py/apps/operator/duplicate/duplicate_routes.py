"""An app that defines one route twice."""

from snasio import route


@route("/twice")
def first(request):
    return {"which": "first"}


@route("/twice")
def second(request):
    return {"which": "second"}
