"""The @route decorator: registers a handler in the server's router."""

import inspect

try:
    # Built into snasio-serve. It is absent when this package is imported
    # elsewhere (a process-pool worker importing the app's helpers, a plain
    # `python3 -c "import endpoints"`): then @route only returns the function.
    import _snasio
except ImportError:
    _snasio = None


def route(path: str, methods=None, use_process_pool: bool = False, blocking: bool = False):
    """Serves the decorated function at `path` for `methods` (default ["GET"]).

    Path patterns follow Flask: /users/<int:user_id>, <float:x>, <path:rest>,
    <uuid:id>, <string:name> or <name>. `async def` handlers run on the
    server's event loop; `blocking=True` runs a sync handler in a thread pool;
    `use_process_pool=True` passes a ProcessPoolExecutor as second argument.
    """
    if methods is None:
        methods = ["GET"]
    elif isinstance(methods, str):
        methods = [methods]
    methods = [m.upper() for m in methods]

    def register(func):
        if _snasio is not None:
            is_async = inspect.iscoroutinefunction(func)
            if blocking and is_async:
                raise ValueError(f"route {path!r}: blocking=True is for sync handlers, "
                                 f"{func.__qualname__} is async")
            _snasio.add_route(path, methods, func, is_async, bool(use_process_pool), bool(blocking))
        return func

    return register
