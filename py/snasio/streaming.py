"""Responses sent as they are produced: generators, StreamingResponse,
ServerSentEvents and FileResponse.

The head goes first; then a task on the loop (a "pump") sends the body a
piece at a time, each only when the connection has room for it: the server
calls stream_room() once fewer than --stream-buffer-bytes of the stream wait
to be written. A sync generator's items are made on the dispatch threads (it
may block between them), an async generator's on the loop, a file's bytes
are read on the dispatch threads by the server itself and never become
Python objects. When the client leaves, the pump is cancelled and the
generator closed, so its finally blocks run.

The server looks each function it calls here up once, at start-up.
"""

import asyncio
import email.utils
import json
import mimetypes
import os
import urllib.parse

from _snasio import _log_exception, _read_file_piece, _stream_send

from snasio import _loop
from snasio.response import Response

MORE, LAST, CUT = 0, 1, 2  # how a piece leaves the stream (net::piece_end)
FILE_PIECE = 64 * 1024     # bytes read from a file at a time
_END = object()            # what next() gives at the end of a sync generator

_rooms = {}          # job id -> asyncio.Event: the connection has room for a piece
_event_streams = {}  # job id -> the pump of a ServerSentEvents, which ends at a drain
_ending = set()      # job ids of event streams told to end cleanly


class StreamingResponse(Response):
    """A body sent as it is produced: `content` is an iterable or async
    iterable of bytes or str (str is sent as UTF-8), such as a generator.
    Sent chunked (HTTP/1.1) or until the connection closes (HTTP/1.0)."""

    __slots__ = ("content", "_length")

    def __init__(self, content, status: int = 200, headers=None,
                 content_type: str = "application/octet-stream"):
        super().__init__(None, status, headers, content_type)
        self.content = content
        self._length = None  # known only for a file


class ServerSentEvents(StreamingResponse):
    """An EventSource stream (text/event-stream). Each item is an event: a
    str (its data), or a dict of `data` (a str, or anything else as JSON),
    `event`, `id` and `retry`. A comment line is sent every `ping` seconds
    without an event, so proxies keep the connection; at a server drain the
    stream ends cleanly and clients reconnect elsewhere."""

    __slots__ = ("ping",)

    def __init__(self, events, ping: float = 15.0, status: int = 200, headers=None):
        super().__init__(events, status, headers, "text/event-stream")
        self.ping = ping
        self.headers["Cache-Control"] = "no-cache"
        self.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once


class FileResponse(StreamingResponse):
    """A file, read by the server in pieces: Content-Length from the file,
    the content type guessed from its name, Content-Disposition when
    `filename` is given. A missing file is a 404; Last-Modified and
    If-Modified-Since (304) and a single Range (206, or 416) are answered."""

    __slots__ = ("path", "filename", "_fd", "_offset")

    def __init__(self, path, content_type: str | None = None, filename: str | None = None,
                 status: int = 200, headers=None):
        guessed = mimetypes.guess_type(filename or os.fspath(path))[0]
        super().__init__(None, status, headers, content_type or guessed or "application/octet-stream")
        self.path = os.fspath(path)
        self.filename = filename
        self._fd = None
        self._offset = 0
        if filename is not None:
            quoted = urllib.parse.quote(filename, safe="")
            ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("\\", "_")
            self.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"

    def _prepare(self, request):
        """Opens the file; returns self, or the Response that answers instead."""
        try:
            self._fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return Response({"error": "not found"}, status=404)
        info = os.fstat(self._fd)
        size = info.st_size
        self.headers["Last-Modified"] = email.utils.formatdate(int(info.st_mtime), usegmt=True)
        self.headers["Accept-Ranges"] = "bytes"
        since = request.headers.get("if-modified-since") if request is not None else None
        if since and self.status == 200:
            try:
                if int(info.st_mtime) <= email.utils.parsedate_to_datetime(since).timestamp():
                    self._close_file()
                    return Response(None, status=304, headers={"Last-Modified": self.headers["Last-Modified"]})
            except (TypeError, ValueError):
                pass  # a date that does not parse is ignored (RFC 9110 13.1.3)
        self._length = size
        wanted = request.headers.get("range") if request is not None and self.status == 200 else None
        if wanted:
            span = _byte_range(wanted, size)
            if span is False:
                self._close_file()
                return Response({"error": "range not satisfiable"}, status=416,
                                headers={"Content-Range": f"bytes */{size}"})
            if span is not None:
                first, last = span
                self.status = 206
                self.headers["Content-Range"] = f"bytes {first}-{last}/{size}"
                self._offset, self._length = first, last - first + 1
        return self

    def _close_file(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _byte_range(header, size):
    """A single `bytes=` range as (first, last); None to ignore the header
    (another unit, several ranges, or not a range at all: the whole file
    answers, RFC 9110 14.2); False when no byte of the file is in it."""
    unit, _, spec = header.partition("=")
    first, dash, last = spec.strip().partition("-")
    if unit.strip().lower() != "bytes" or not dash or not first + last or not (first + last).isdigit():
        return None
    if first == "":  # the last N bytes
        n = int(last)
        return (max(size - n, 0), size - 1) if n > 0 and size > 0 else False
    start = int(first)
    if last and int(last) < start:
        return None
    return (start, min(int(last), size - 1) if last else size - 1) if start < size else False


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
    room = _rooms[job_id] = asyncio.Event()
    room.set()
    task = _loop._loop.create_task(pump)
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
