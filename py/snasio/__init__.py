"""snasio: Python endpoints served by a native C++ HTTP/1.1 server.

    from snasio import route, Request, Response, HTTPError

    @route("/hello")
    def hello(request: Request) -> dict:
        return {"message": "Hello from Python"}
"""

from snasio.errors import HTTPError
from snasio.request import Headers, Request
from snasio.response import Response
from snasio.routing import route

__all__ = ["route", "Request", "Response", "HTTPError", "Headers"]
