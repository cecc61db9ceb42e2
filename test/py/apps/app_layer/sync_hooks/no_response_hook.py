"""on_error without on_response: an unhandled error goes back to the server,
which reports it as for any handler."""

from snasio import HTTPError, on_error, route


@on_error
def only_type_errors(request, exc):
    if isinstance(exc, TypeError):
        return "type error handled", 400
    return None


@route("/plain/type-error")
def type_error():
    raise TypeError("wrong type")


@route("/plain/crash")
def crash():
    raise ZeroDivisionError("divided")


@route("/plain/http-error")
def http_error():
    raise HTTPError(403, "forbidden")
