"""An app whose route is the server's own /health."""

from snasio import route


@route("/health")
def my_health(request):
    return {"mine": True}
