from __future__ import annotations

from snasio import route


@route("/bad")
def bad(thing: NoSuchType):
    return "never"
