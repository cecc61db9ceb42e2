"""Converter bounds beyond what a double holds, kept exact."""

from snasio import route

HUGE = "1" + "0" * 400


@route(f"/n/<int(max={HUGE}):n>")
def n(request, n):
    return {"n": str(n)}


@route(f"/neg/<int(min=-{HUGE}, signed=True):n>")
def neg(request, n):
    return {"n": str(n)}
