"""The agreement between snasio's C++ side and this package, written once.

Whatever crosses between the two languages is declared here: how a route
runs, how the server calls it, the events of a job's life, how a piece of a
stream ends, the planned route, the fields of a Request, and the Python
objects the server uses. The server reads this module at start-up and checks
it against its own side (src/python/contract.cpp): a name or a value that
does not match stops start-up, naming it. Nothing here is read per request.

The words used on both sides, for a job's life:
  - abandoned: nobody will read its answer (its client left, or the drain
    deadline passed); a handler still running is cancelled;
  - written: its answer is on the wire;
  - room: its stream may send the next piece;
  - draining: the server stops (no new connections, answers still owed);
  - blocking: what a handler does while it waits with the GIL released
    (sleep, sockets, files, sqlite); sync handlers may, on the sync threads.
"""

import enum
from typing import NamedTuple


class Mode(enum.IntEnum):
    """Where a route's handler runs, decided once when the app is planned."""
    SYNC = 0   # a plain def (it may block): on the sync threads, none of which runs the loop
    ASYNC = 1  # an async def, or a route whose hooks or dependencies await: a Task on the loop


class Call(enum.IntEnum):
    """How the server calls a route's handler."""
    DIRECT = 0  # the handler itself, its arguments filled by the server
    INVOKE = 1  # the invoker (SERVER_USES["invoke"]): hooks and dependencies around the handler


class Source(enum.IntEnum):
    """Where the server takes an argument of a directly called handler from."""
    REQUEST = 0  # the Request
    PATH = 1     # the path parameter named Argument.placeholder, converted
    POOL = 2     # the process pool (use_process_pool=True)
    VALUE = 3    # a typed parameter: request._values[Argument.index] (its member Argument.placeholder, if any)


class JobEvent(enum.IntEnum):
    """What the reactor tells the GIL thread about a job it handed over."""
    ABANDONED = 0  # nobody will read its answer: cancel its handler if it still runs
    WRITTEN = 1    # its answer is written: clean-ups that waited for it run
    ROOM = 2       # its stream has room for the next piece
    DRAINING = 3   # (no job) the server drains: event streams end cleanly


class PieceEnd(enum.IntEnum):
    """How a piece of a streamed answer leaves the stream (_snasio._stream_send)."""
    MORE = 0  # more pieces follow
    LAST = 1  # the body is complete
    CUT = 2   # the body stops here, incomplete: the connection closes


class Argument(NamedTuple):
    """One parameter of a directly called handler, in call order."""
    name: str
    source: Source
    placeholder: str = ""  # for Source.PATH; for Source.VALUE, the member of a body value (or "")
    index: int = 0         # for Source.VALUE


class PlannedRoute(NamedTuple):
    """One route as the server registers and calls it. One whose pattern is
    "" is no route: the answers the server makes itself (404, 405, a CORS
    403, 429) are handed to it, with Request._problem set, when the app has
    on_response or on_error hooks to show them to."""
    pattern: str
    methods: list             # of str
    handler: object
    mode: Mode
    call: Call
    use_pool: bool            # the handler gets the process pool
    arguments: tuple          # of Argument, for a DIRECT call; empty otherwise
    positional: int           # how many arguments go by position; the rest by keyword
    cleanup_after_write: bool  # its dependencies clean up once its answer is written
    validation: str           # the typed parameters' plan, JSON (src/validation/route_validator.hpp); "" for none
    values: tuple             # per checked value, in plan order: (default when absent, converter or None)
    # A converter may carry a `_snasio_plan` the server follows itself, without calling
    # it (python/value_plans.cpp): ("list", item converter): a list of items;
    # ("float", float): an int becomes a float, anything else stays as it is;
    # ("dataclass", cls, ((field, converter or None), ...)): a dataclass made
    # from an object that has exactly its fields, the object's dict becoming
    # the instance's __dict__; the converter is called for anything else.
    around: tuple             # (timeout seconds, rate per second, burst) of its own; zeros: the server's


# The fields of a snasio.Request (its __slots__). The server fills a new
# Request's fields in place, without running __init__; each name here is a
# row of its table (src/python/contract.cpp), which says what goes there.
REQUEST_FIELDS = (
    "method", "path", "path_params", "raw_body", "client", "scheme", "request_id",
    "_raw_query", "_raw_headers", "_raw_trailers", "_body", "_charset", "_headers", "_query", "_query_multi",
    "_parts", "_lazy", "_values", "_problem",
)

# Media types whose bodies are text (besides text/*, */*+json and */*+xml, and
# any type sent with a charset): request.body is then a str.
TEXT_MEDIA_TYPES = ("application/json", "application/xml", "application/javascript",
                    "application/x-www-form-urlencoded")

# The objects of this package the server uses, by the name it knows each by:
# "module:attribute", looked up once at start-up.
SERVER_USES = {
    # what a handler deals in
    "Request": "snasio.request:Request",
    "Response": "snasio.response:Response",
    "StreamingResponse": "snasio.streaming:StreamingResponse",
    "HTTPError": "snasio.errors:HTTPError",
    "PlanError": "snasio.errors:PlanError",
    "UNSET": "snasio.request:UNSET",              # a body not decoded yet
    "JSON_UNREAD": "snasio.request:JSON_UNREAD",  # a JSON body whose parsed form became typed values
    "UploadedFile": "snasio.request:UploadedFile",
    "REQUIRED": "snasio.params:REQUIRED",         # the default of a value the request must give
    "lower": "snasio._types:lower",               # (value) -> its JSON form, one level deep; TypeError if none
    # the app: planned once it is imported
    "plan_app": "snasio._planning:plan_app",      # (--app's "module:attribute" or "") -> ([PlannedRoute], {setting: str})
    "openapi": "snasio._openapi:document",        # (title) -> the OpenAPI 3.1 document of the planned routes, JSON
    # the loop, from start to end
    "start_loop": "snasio._loop:start",            # (pool_workers, blocking_threads)
    "run_startup": "snasio._invoker:startup",      # () the start-up hooks, on the loop
    "run_loop": "snasio._loop:run",                # (wake_fd, run_batch) until the job queue closes
    "run_shutdown": "snasio._invoker:shutdown",    # () the shutdown hooks and clean-ups still owed
    "close_loop": "snasio._loop:close",            # () the pools stop, the loop closes
    # per job
    "start_task": "snasio._loop:start_task",           # (coroutine, job_id, name) -> Task
    "HandlerTask": "snasio._loop:HandlerTask",         # (name, context, coroutine, job_id): the current task of a step the server runs
    "carry_on": "snasio._loop:carry_on",               # (handler_task, coroutine, waits_on, job_id) -> it, on its Task
    "eager_loop": "snasio._loop:eager_loop",           # () -> the loop if handlers may start eagerly, else None
    "schedule_flush": "snasio._loop:schedule_flush",   # () replies go back at the next loop iteration
    "schedule_resume": "snasio._loop:schedule_resume", # () parked handlers take their next step at the next iteration
    "pool": "snasio._loop:pool",                       # () -> the ProcessPoolExecutor
    "invoke": "snasio._invoker:invoke",                # (route_id, job_id, request, pool)
    "abandon": "snasio._invoker:abandon",              # (task, job_id or None): JobEvent.ABANDONED
    "written": "snasio._invoker:written",              # (job_id): JobEvent.WRITTEN
    "open_stream": "snasio._streams:open_stream",      # (job_id, result, request, head_only) -> (head, body?, length)
    "start_pump": "snasio._streams:start_pump",        # (job_id): once the head is on its way
    "abandon_stream": "snasio._streams:abandon",       # (job_id): JobEvent.ABANDONED, for a stream
    "room": "snasio._streams:room",                    # (job_id): JobEvent.ROOM
    "draining": "snasio._streams:draining",            # (): JobEvent.DRAINING
}
