"""Lifecycle and request hooks: functions the server calls around handlers."""

from collections.abc import Callable

_hooks: dict[str, list[Callable]] = {kind: [] for kind in
                                     ("startup", "shutdown", "request", "pre_handler", "response", "error")}

REQUEST_KINDS = ("request", "pre_handler", "response", "error")  # the hooks that see requests


def _hook(kind: str) -> Callable[[Callable], Callable]:
    def register(function: Callable) -> Callable:
        _hooks[kind].append(function)
        return function
    register.__name__ = register.__qualname__ = "on_" + kind if kind != "pre_handler" else kind
    return register


on_startup = _hook("startup")        # () -> None, sync or async: before the first connection
on_shutdown = _hook("shutdown")      # () -> None, sync or async: after the last request
on_request = _hook("request")        # (request) -> None or an answer: before dependencies
pre_handler = _hook("pre_handler")   # (request) -> None or an answer: right before the handler
on_response = _hook("response")      # (request, response) -> the Response to send
on_error = _hook("error")            # (request, exc) -> an answer, or None for the default 500


def registered(kind: str) -> list[Callable]:
    """The hooks of `kind` ("startup", "request", ...), in registration order."""
    return _hooks[kind]
