"""Sending streamed responses (snasio.streaming), inside the server.

The head goes first; then a task on the loop (a "pump") sends the body a
piece at a time, each only when the connection has room for it: the server
calls stream_room() once fewer than --stream-buffer-bytes of the stream wait
to be written. A sync generator's items are made on the dispatch threads (it
may block between them), an async generator's on the loop; a file's bytes
are read on the dispatch threads by the server itself and never become
Python objects. When the client leaves, the pump is cancelled and the
generator closed, so its finally blocks run.

The server looks each function it calls here up once, at start-up.
"""

import asyncio
import json

from _snasio import _log_exception, _read_file_piece, _stream_send

from snasio import _loop
from snasio.streaming import FileResponse, ServerSentEvents, StreamingResponse

MORE, LAST, CUT = 0, 1, 2  # how a piece leaves the stream (net::piece_end)
FILE_PIECE = 64 * 1024     # bytes read from a file at a time
_END = object()            # what next() gives at the end of a sync generator

_rooms = {}          # job id -> asyncio.Event: the connection has room for a piece
_event_streams = {}  # job id -> the pump of a ServerSentEvents, which ends at a drain
_ending = set()      # job ids of event streams told to end cleanly


def _event(item):
    """One event in text/event-stream framing: a field per line, multi-line
    data as several data lines, a blank line after."""
    fields = {"data": item} if isinstance(item, str) else item
    if not isinstance(fields, dict):
        raise TypeError(f"an event is a str or a dict, not {type(fields).__name__}")
    lines = []
    for name in ("event", "id", "retry"):
        if fields.get(name) is not None:
            value = str(fields[name])
            if "\n" in value or "\r" in value:
                raise ValueError(f"event field {name!r} cannot hold a line break")
            lines.append(f"{name}: {value}")
    data = fields.get("data")
    if data is not None:
        text = data if isinstance(data, str) else json.dumps(data)
        lines.extend(f"data: {line}" for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(lines) + "\n\n"


def open_stream(job_id, result, request, head_only):
    """The head to send for a handler's streamed `result`, and the pump
    task that sends the body (None when there is no body to send)."""
    response = result if isinstance(result, StreamingResponse) else StreamingResponse(result)
    if isinstance(response, FileResponse):
        head = response._prepare(request)
        if head is not response or head_only:
            response._close_file()
            return head, None
        pump = _pump_file(job_id, response)
    else:
        if head_only:
            _close_now(response.content)
            return response, None
        what = f"{request.method} {request.path} [request {request.request_id}]" if request is not None else "a stream"
        pump = _pump(job_id, response, what)
    try:
        room = asyncio.Event()
        task = _loop._loop.create_task(pump)  # its first step runs later, with the room in place
    except BaseException:
        pump.close()
        _close_now(response.content)
        raise
    room.set()
    _rooms[job_id] = room
    if isinstance(response, ServerSentEvents):
        _event_streams[job_id] = task
    return response, task


def stream_room(job_id):
    """The connection has room for the stream's next piece."""
    room = _rooms.get(job_id)
    if room is not None:
        room.set()


def end_event_streams():
    """The server drains: every event stream ends cleanly now."""
    _ending.update(_event_streams)
    for task in list(_event_streams.values()):
        task.cancel()


async def _pump(job_id, response, what):
    room = _rooms[job_id]
    items = response.content
    ping = response.ping if isinstance(response, ServerSentEvents) else None
    is_async = hasattr(items, "__aiter__")
    it = items.__aiter__() if is_async else iter(items)
    pending = None  # the next item being made: a Task (async) or a dispatch thread's Future
    end = LAST
    try:
        while True:
            await room.wait()
            room.clear()
            if is_async:
                pending = asyncio.ensure_future(it.__anext__())
            else:
                pending = _loop._dispatch_pool().submit(next, it, _END)
            waited = pending if is_async else asyncio.wrap_future(pending)
            while not (await asyncio.wait((waited,), timeout=ping))[0]:
                _stream_send(job_id, b": ping\n\n", MORE)
            try:
                item = waited.result()
            except StopAsyncIteration:
                break
            if item is _END:
                break
            _stream_send(job_id, _event(item) if ping is not None else item, MORE)
    except asyncio.CancelledError:
        end = LAST if job_id in _ending else CUT  # a drain's clean end; else the client left
    except BaseException as error:
        _log_exception(f"{what}, while streaming", error)
        end = CUT
    finally:
        await _close(it, pending, is_async)
        _rooms.pop(job_id, None)
        _event_streams.pop(job_id, None)
        _ending.discard(job_id)
        _stream_send(job_id, b"", end)


async def _close(it, pending, is_async):
    """Closes a generator, so its finally blocks run: at once if it waits in
    an await, after the item it is making on a dispatch thread otherwise."""
    try:
        if is_async:
            if pending is not None and not pending.done():
                pending.cancel()
                await asyncio.wait((pending,))
            if hasattr(it, "aclose"):
                await it.aclose()
        elif hasattr(it, "close"):
            if pending is not None and not pending.done():
                await asyncio.wait((asyncio.wrap_future(pending),))
            await _loop._loop.run_in_executor(_loop._dispatch_pool(), it.close)
    except BaseException as error:  # noqa: B036: a generator's cleanup must not take the pump down
        if not isinstance(error, asyncio.CancelledError):
            _log_exception("a stream's generator, while closing it", error)


def _close_now(content):
    """A HEAD request: the body is never made."""
    close = getattr(content, "close", None) or getattr(content, "aclose", None)
    if close is not None:
        closing = close()
        if asyncio.iscoroutine(closing):
            closing.close()  # never started: nothing ran, nothing to clean up


async def _pump_file(job_id, response):
    room = _rooms[job_id]
    offset, left, end = response._offset, response._length, CUT
    try:
        while True:
            await room.wait()
            room.clear()
            n = min(left, FILE_PIECE)
            # Read by the server on a dispatch thread, the GIL released: the
            # reactor never waits for the disk, and the bytes stay in C++.
            await _loop._loop.run_in_executor(_loop._dispatch_pool(), _read_file_piece, job_id, response._fd,
                                              offset, n, n == left)
            _loop.schedule_flush()
            offset, left = offset + n, left - n
            if left == 0:
                end = None  # the last piece said so
                break
    except asyncio.CancelledError:
        pass
    except BaseException as error:
        _log_exception(f"{response.path}, while sending it", error)
    finally:
        response._close_file()
        _rooms.pop(job_id, None)
        if end is not None:
            _stream_send(job_id, b"", end)
