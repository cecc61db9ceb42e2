"""Lifecycle and request hooks: functions the server calls around handlers,
registered on an App (snasio.on_startup and the others register on the
default App)."""

KINDS = ("startup", "shutdown", "request", "pre_handler", "response", "error")
REQUEST_KINDS = ("request", "pre_handler", "response", "error")  # the hooks that see requests

# What each hook is called with and may return:
#   on_startup, on_shutdown: () -> None, sync or async: before the first connection, after the last request
#   on_request: (request) -> None or an answer: before dependencies (and the checks of typed parameters)
#   pre_handler: (request) -> None or an answer: right before the handler
#   on_response: (request, response) -> the Response to send
#   on_error: (request, exc) -> an answer, or None for the default 500


def registry() -> dict:
    """An empty set of hooks, by kind."""
    return {kind: [] for kind in KINDS}


def decorator(hooks: dict, kind: str):
    """The decorator that registers a hook of `kind` in `hooks`."""
    def register(function):
        hooks[kind].append(function)
        return function
    register.__name__ = register.__qualname__ = "on_" + kind if kind != "pre_handler" else kind
    return register
