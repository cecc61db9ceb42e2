"""Sending streamed responses (snasio.streaming), inside the server.

The head goes first; then a task on the loop (a "pump") sends the body a
piece at a time, each only when the connection has room for it: the server
calls room() once fewer than --stream-buffer-bytes of the stream wait to be
written. A sync generator's items are made on the blocking threads (it may
block between them), an async generator's on the loop; a file's bytes are
read on the blocking threads by the server itself and never become Python
objects. When the answer is abandoned (its client left), the pump is
cancelled and the generator closed, so its finally blocks run.

The server calls open_stream, start_pump, abandon, room and draining
(snasio._contract.SERVER_USES).
"""

import asyncio
import email.utils
import functools
import json
import os
import re
import stat
import threading

from _snasio import _log_exception, _read_file_piece, _stream_send

from snasio import _loop
from snasio._contract import PieceEnd
from snasio.response import Response
from snasio.streaming import FileResponse, ServerSentEvents, StreamingResponse

MORE, LAST, CUT = PieceEnd.MORE, PieceEnd.LAST, PieceEnd.CUT
FILE_PIECE = 64 * 1024     # bytes read from a file at a time
_END = object()            # what next() gives at the end of a sync generator

_opened = {}         # job id -> (pump coroutine, how to close what it would send, an event stream?): not started
_pumps = {}          # job id -> the pump's task, while it runs
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
    """What to send for a handler's streamed `result`: (the head, whether a
    body follows, the body's length when it is known (a file's) or None).
    The body's pump starts with start_pump(), once the head is on its way.
    Any thread that runs handlers may call it (the GIL held)."""
    response = result if isinstance(result, StreamingResponse) else StreamingResponse(result)
    length = None
    if isinstance(response, FileResponse):
        opened = _open_file(response, request)
        if isinstance(opened, Response):
            return opened, False, None
        if head_only:
            os.close(opened.fd)
            return response, False, opened.length
        pump, length = _pump_file(job_id, response, opened), opened.length
        close = functools.partial(os.close, opened.fd)
    else:
        if head_only:
            _close_now(response.content)
            return response, False, None
        what = f"{request.method} {request.path} [request {request.request_id}]" if request is not None else "a stream"
        pump = _pump(job_id, response, what)
        close = functools.partial(_close_now, response.content)
    room = asyncio.Event()  # its first step finds room for one piece
    room.set()
    _rooms[job_id] = room
    _opened[job_id] = (pump, close, isinstance(response, ServerSentEvents))
    return response, True, length


def start_pump(job_id):
    """Starts the pump of the stream opened for `job_id`, as a task on the
    loop (from another thread, at the loop's next turn)."""
    if threading.get_ident() == _loop.thread_id():
        _start(job_id)
    else:
        _loop.loop().call_soon_threadsafe(_start, job_id)


def _start(job_id):
    opened = _opened.pop(job_id, None)
    if opened is None:
        return  # abandoned before it started
    pump, close, is_event_stream = opened
    try:
        task = _loop.loop().create_task(pump)
    except BaseException:
        pump.close()
        close()
        _rooms.pop(job_id, None)
        raise
    _pumps[job_id] = task
    if is_event_stream:
        _event_streams[job_id] = task


def abandon(job_id):
    """Nobody will read the stream of `job_id` (JobEvent.ABANDONED): its pump is
    cancelled, which closes the generator; one not started yet never starts."""
    opened = _opened.pop(job_id, None)
    if opened is not None:
        pump, close, _ = opened
        pump.close()
        close()
        _rooms.pop(job_id, None)
        return
    task = _pumps.get(job_id)
    if task is not None:
        task.cancel()


def room(job_id):
    """The connection has room for the stream's next piece (JobEvent.ROOM)."""
    room = _rooms.get(job_id)
    if room is not None:
        room.set()


def draining():
    """The server drains (JobEvent.DRAINING): every event stream ends cleanly now."""
    _ending.update(_event_streams)
    for task in list(_event_streams.values()):
        task.cancel()


async def _pump(job_id, response, what):
    it = pending = None  # the items; the next item being made: a Task (async) or a blocking thread's Future
    is_async, end = False, LAST
    try:  # (from the first line: whatever fails, the stream ends, cut)
        room = _rooms[job_id]
        items = response.content
        ping = response.ping if isinstance(response, ServerSentEvents) else None
        is_async = hasattr(items, "__aiter__")
        it = items.__aiter__() if is_async else iter(items)
        while True:
            await room.wait()
            room.clear()
            if is_async:
                pending = asyncio.ensure_future(it.__anext__())
            else:
                pending = _loop.blocking_pool().submit(next, it, _END)
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
        _pumps.pop(job_id, None)
        _event_streams.pop(job_id, None)
        _ending.discard(job_id)
        _stream_send(job_id, b"", end)


async def _close(it, pending, is_async):
    """Closes a generator, so its finally blocks run: at once if it waits in
    an await, after the item it is making on a blocking thread otherwise."""
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
            await _loop.loop().run_in_executor(_loop.blocking_pool(), it.close)
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


class _OpenFile:
    """A FileResponse's file, open: what to send of it."""

    __slots__ = ("fd", "offset", "length")

    def __init__(self, fd, offset, length):
        self.fd, self.offset, self.length = fd, offset, length


def _open_file(response, request):
    """Opens a FileResponse's file and settles its head (Last-Modified, 206
    and Content-Range for a Range): the open file, or the Response that
    answers instead (404, 403, 304, 416). What the request asks is read
    before the file is opened, and the file is closed on every way out but
    the one that hands it to the pump."""
    conditional = response.status == 200 and request is not None
    since = _if_modified_since(request.headers.get("if-modified-since")) if conditional else None
    wanted = request.headers.get("range") if conditional else None
    if response.root is not None and "\0" in response.path:  # a name the client chose that names no file
        return Response({"error": "not found"}, status=404)
    try:
        fd = os.open(response.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return Response({"error": "not found"}, status=404)
    except PermissionError:
        return Response({"error": "forbidden"}, status=403)
    try:
        # Confined: what was opened, symlinks resolved, must lie under the root.
        if response.root is not None and not _under(os.readlink(f"/proc/self/fd/{fd}"), response.root):
            answer = Response({"error": "not found"}, status=404)
        else:
            answer = _settle(response, fd, since, wanted)
    except BaseException:
        os.close(fd)
        raise
    if isinstance(answer, Response):
        os.close(fd)
    return answer


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _settle(response, fd, since, wanted):
    """The open file `fd`: what to send of it, or the Response that answers."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # a directory, a device: not a file to send
        return Response({"error": "not found"}, status=404)
    size, modified = info.st_size, int(info.st_mtime)
    response.headers["Last-Modified"] = email.utils.formatdate(modified, usegmt=True)
    response.headers["Accept-Ranges"] = "bytes"
    if since is not None and modified <= since:
        return Response(None, status=304, headers={"Last-Modified": response.headers["Last-Modified"]})
    span = _byte_range(wanted, size) if wanted else None
    if span is False:
        return Response({"error": "range not satisfiable"}, status=416, headers={"Content-Range": f"bytes */{size}"})
    if span is None:
        return _OpenFile(fd, 0, size)
    first, last = span
    response.status = 206
    response.headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    return _OpenFile(fd, first, last - first + 1)


def _if_modified_since(value):
    """The time an If-Modified-Since value names, in seconds; None when there
    is none or it is not a date (then it is ignored, RFC 9110 13.1.3)."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


_DIGITS = re.compile(r"[0-9]{0,20}")  # ASCII digits only; no file has more bytes than 20 digits count


def _byte_range(header, size):
    """A single `bytes=` range as (first, last); None to ignore the header
    (another unit, several ranges, or not a range at all: the whole file
    answers, RFC 9110 14.2); False when no byte of the file is in it."""
    unit, _, spec = header.partition("=")
    first, dash, last = spec.strip().partition("-")
    if (unit.strip().lower() != "bytes" or not dash or not first + last
            or not _DIGITS.fullmatch(first) or not _DIGITS.fullmatch(last)):
        return None
    if first == "":  # the last N bytes
        n = int(last)
        return (max(size - n, 0), size - 1) if n > 0 and size > 0 else False
    start = int(first)
    if last and int(last) < start:
        return None
    return (start, min(int(last), size - 1) if last else size - 1) if start < size else False


async def _pump_file(job_id, response, opened):
    room = _rooms[job_id]
    offset, left, end = opened.offset, opened.length, CUT
    try:
        while True:
            await room.wait()
            room.clear()
            n = min(left, FILE_PIECE)
            # Read by the server on a blocking thread, the GIL released: the
            # reactor never waits for the disk, and the bytes stay in C++.
            await _loop.loop().run_in_executor(_loop.blocking_pool(), _read_file_piece, job_id, opened.fd,
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
        os.close(opened.fd)
        _rooms.pop(job_id, None)
        _pumps.pop(job_id, None)
        if end is not None:
            _stream_send(job_id, b"", end)
