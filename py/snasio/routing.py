"""The @route decorator: registers a handler with the app's root router."""

from snasio.app import _root


def route(path: str, methods=None, use_process_pool: bool = False, blocking: bool = False):
    """Serves the decorated function at `path` for `methods` (default ["GET"]).

    Path patterns follow Flask: /users/<int:user_id>, <float:x>, <path:rest>,
    <uuid:id>, <string:name> or <name>. The handler's parameters are filled by
    name and annotation: `request` (or any parameter annotated Request) gets
    the request, a parameter named like a placeholder gets its converted value,
    `pool` gets the ProcessPoolExecutor of a use_process_pool=True route, and
    any other parameter a dependency (see provide()). `async def` handlers run
    on the server's event loop; `blocking=True` runs a sync handler in a thread
    pool.
    """
    return _root.route(path, methods, use_process_pool, blocking)
