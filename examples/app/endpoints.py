"""The example app that `just serve` serves."""

import platform

from snasio import HTTPError, Request, Response, route


@route("/hello")
def hello(request: Request) -> dict:
    return {"message": "Hello from Python", "python": platform.python_version()}


@route("/users/<int:user_id>", methods=["GET", "DELETE"])
def user(request: Request, user_id: int) -> dict:
    if request.method == "DELETE":
        return None
    return {"id": user_id, "name": f"user {user_id}"}


@route("/echo", methods=["POST"])
def echo(request: Request):
    """Sends back the JSON body it was given."""
    return request.body


@route("/teapot")
def teapot(request: Request):
    raise HTTPError(418, "I refuse to brew coffee")


@route("/text")
def text(request: Request) -> Response:
    return Response("plain words\n", headers={"X-Example": "yes"})
