"""snasio: Python endpoints served by a native C++ HTTP/1.1 server.

    from snasio import route, Request, Response, HTTPError

    @route("/hello")
    def hello(request: Request) -> dict:
        return {"message": "Hello from Python"}
"""

from snasio.config import ServerConfig, configure
from snasio.dependencies import Provide, provide
from snasio.errors import HTTPError, PlanError
from snasio.hooks import on_error, on_request, on_response, on_shutdown, on_startup, pre_handler
from snasio.request import Headers, Request, UploadedFile
from snasio.response import MutableHeaders, Response, redirect
from snasio.routing import Router, include_router, route
from snasio.streaming import FileResponse, ServerSentEvents, StreamingResponse

__all__ = ["route", "Request", "Response", "HTTPError", "Headers", "MutableHeaders", "UploadedFile", "redirect",
           "StreamingResponse", "ServerSentEvents", "FileResponse",
           "Router", "include_router",
           "provide", "Provide", "on_startup", "on_shutdown", "on_request", "pre_handler", "on_response",
           "on_error", "ServerConfig", "configure", "PlanError"]
