"""Lifecycle and request hooks: functions the server calls around handlers,
registered on an App (snasio.on_startup and the others register on the
default App)."""

KINDS = ("startup", "shutdown", "request", "pre_validation", "pre_handler", "response", "error")
REQUEST_KINDS = ("request", "pre_validation", "pre_handler", "response", "error")  # the hooks that see requests

# What each hook is called with and may return:
#   on_startup, on_shutdown: () -> None, sync or async: before the first connection, after the last request
#   on_request: (request) -> None or an answer: first, before anything else of the route's
#   pre_validation: (request) -> None or an answer: then, before the typed parameters' 422 and the dependencies
#   pre_handler: (request) -> None or an answer: right before the handler (its dependencies made)
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
    register.__name__ = register.__qualname__ = method_name(kind)
    return register


def method_name(kind: str) -> str:
    """The App method that registers hooks of `kind`: on_request, pre_handler, ..."""
    return kind if kind.startswith("pre_") else "on_" + kind
