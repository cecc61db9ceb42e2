"""Responses sent as they are produced: StreamingResponse (what a returned
generator becomes), ServerSentEvents and FileResponse. The server sends
them (snasio._streams); these classes say what to send.
"""

import mimetypes
import os
import urllib.parse

from snasio.response import Response


class StreamingResponse(Response):
    """A body sent as it is produced: `content` is an iterable or async
    iterable of bytes or str (str is sent as UTF-8), such as a generator.
    Sent chunked (HTTP/1.1) or until the connection closes (HTTP/1.0)."""

    __slots__ = ("content",)

    def __init__(self, content, status: int = 200, headers=None,
                 content_type: str = "application/octet-stream") -> None:
        super().__init__(None, status, headers, content_type)
        self.content = content


class ServerSentEvents(StreamingResponse):
    """An EventSource stream (text/event-stream). Each item is an event: a
    str (its data), or a dict of `data` (a str, or anything else as JSON),
    `event`, `id` and `retry`. A comment line is sent every `ping` seconds
    without an event, so proxies keep the connection; at a server drain the
    stream ends cleanly and clients reconnect elsewhere."""

    __slots__ = ("ping",)

    def __init__(self, events, ping: float = 15.0, status: int = 200, headers=None) -> None:
        super().__init__(events, status, headers, "text/event-stream")
        self.ping = ping
        self.headers["Cache-Control"] = "no-cache"
        self.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once


class FileResponse(StreamingResponse):
    """A file, read by the server in pieces: Content-Length from the file,
    the content type guessed from its name, Content-Disposition when
    `filename` is given. A missing file is a 404; Last-Modified and
    If-Modified-Since (304) and a single Range (206, or 416) are answered.

    With `root`, `path` is taken under that directory, and a path that leads
    out of it (by "..", an absolute path or a symlink) is a 404: the safe way
    to serve a name a client chose. (A whole directory is better served by
    App.static(), natively.)"""

    __slots__ = ("path", "filename", "root")

    def __init__(self, path: str | os.PathLike, content_type: str | None = None, filename: str | None = None,
                 status: int = 200, headers=None, root: str | os.PathLike | None = None) -> None:
        guessed = mimetypes.guess_type(filename or os.fspath(path))[0]
        super().__init__(None, status, headers, content_type or guessed or "application/octet-stream")
        self.root = None if root is None else os.path.realpath(root)
        self.path = os.fspath(path) if root is None else os.path.join(self.root, os.fspath(path))
        self.filename = filename
        if filename is not None:
            quoted = urllib.parse.quote(filename, safe="")
            ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("\\", "_")
            self.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"
