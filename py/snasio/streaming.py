"""Responses sent as they are produced: StreamingResponse (what a returned
generator becomes), ServerSentEvents and FileResponse. The server sends
them (snasio._streams); these classes say what to send.
"""

import email.utils
import mimetypes
import os
import stat
import urllib.parse

from snasio.response import Response


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
        if not stat.S_ISREG(info.st_mode):  # a directory, a device: not a file to send
            self._close_file()
            return Response({"error": "not found"}, status=404)
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
    if (unit.strip().lower() != "bytes" or not dash or not first + last or not (first + last).isdigit()
            or len(first) > 20 or len(last) > 20):  # no file has more bytes than 20 digits count
        return None
    if first == "":  # the last N bytes
        n = int(last)
        return (max(size - n, 0), size - 1) if n > 0 and size > 0 else False
    start = int(first)
    if last and int(last) < start:
        return None
    return (start, min(int(last), size - 1) if last else size - 1) if start < size else False
