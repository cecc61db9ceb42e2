"""snasio: Python endpoints served by a native C++ HTTP/1.1 server.

    from typing import Annotated
    from snasio import App, Query

    app = App()

    @app.get("/users/{user_id}")
    def user(user_id: int, q: Annotated[str, Query(max_length=20)] = "") -> dict:
        return {"user_id": user_id, "q": q}

Served with `snasio-serve --app module:app`; the module-level @route and
hooks register on a default App, served when no --app is given.
"""

from snasio.app import (App, compression, configure, cors, include_router, on_error, on_request, on_response,
                        on_shutdown, on_startup, pre_handler, pre_validation, provide, rate_limit, route, static)
from snasio.background import BackgroundTasks
from snasio.config import ServerConfig
from snasio.dependencies import Provide
from snasio.errors import HTTPError, PlanError
from snasio.params import Body, Cookie, Field, File, Form, Header, Path, Query
from snasio.request import Headers, Request, UploadedFile
from snasio.response import MutableHeaders, Response, redirect
from snasio.routing import Router
from snasio.streaming import FileResponse, ServerSentEvents, StreamingResponse

__all__ = ["App", "route", "Request", "Response", "HTTPError", "Headers", "MutableHeaders", "UploadedFile", "redirect",
           "StreamingResponse", "ServerSentEvents", "FileResponse",
           "Router", "include_router",
           "Query", "Path", "Header", "Cookie", "Body", "Form", "File", "Field",
           "provide", "Provide", "on_startup", "on_shutdown", "on_request", "pre_validation", "pre_handler",
           "on_response", "on_error", "BackgroundTasks", "cors", "compression", "static", "rate_limit", "ServerConfig", "configure", "PlanError"]
