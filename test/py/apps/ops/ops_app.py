"""Handlers for test_operations.py: what the request knows of its origin
and id, and a failure whose log line names the request."""

from snasio import route


@route("/whoami")
def whoami(request):
    return {"client": list(request.client), "scheme": request.scheme, "request_id": request.request_id}


@route("/boom")
def boom(request):
    raise RuntimeError("boom for the log")
