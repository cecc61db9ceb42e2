"""An app whose shutdown ends the process with status 3: for TestClient's
check of the exit status."""

import os

from snasio import on_shutdown, route


@route("/ok")
def ok(request):
    return {"ok": True}


@on_shutdown
def exit_badly():
    os._exit(3)
