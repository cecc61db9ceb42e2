"""What a handler receives: the request, converted only as far as it is read."""

from collections.abc import Mapping
from typing import NamedTuple

try:
    from _snasio import parse_query as _parse_query
except ImportError:  # outside the server (see routing.py)
    from urllib.parse import parse_qsl

    def _parse_query(raw):
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", "replace")
        return parse_qsl(raw, keep_blank_values=True, errors="replace")

_UNSET = object()


def _charset(content_type):
    """The charset parameter of a Content-Type value, or None."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


def _decode_text(raw, content_type):
    """A text body in the charset the client declared (UTF-8 when it declared
    none, or one Python does not know), with U+FFFD for undecodable bytes."""
    charset = _charset(content_type)
    if charset:
        try:
            return raw.decode(charset, "replace")
        except (LookupError, ValueError):  # unknown, not text ("base64"), or no "replace" ("idna")
            pass
    return raw.decode("utf-8", "replace")


# Media types whose bodies are text, besides text/* and */*+json, */*+xml.
_TEXT_TYPES = {"application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded"}


def _is_text(content_type):
    """Whether a body of this Content-Type is text: a textual media type, or
    any type the client gave a charset."""
    media = content_type.partition(";")[0].strip().lower()
    return (media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))
            or _charset(content_type) is not None)


def _one_and_all(pairs):
    """({name: last value}, {name: [every value]}) from (name, value) pairs,
    the conventions of query_params and query_params_multi."""
    multi = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return {name: values[-1] for name, values in multi.items()}, multi


def _parse_cookies(headers):
    """{name: value} from Cookie headers (RFC 6265): the first of a name wins,
    as a browser sends the cookie of the most specific path first."""
    cookies = {}
    for header in headers:
        for pair in header.split(";"):
            name, eq, value = pair.strip().partition("=")
            if eq and name:
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                cookies.setdefault(name.strip(), value.strip())
    return cookies


class UploadedFile(NamedTuple):
    """A file part of a multipart/form-data body."""
    filename: str
    content_type: str  # as the client sent it; "text/plain" when it sent none (RFC 7578)
    data: bytes


def _header_pairs(text):
    """(name, value) pairs from the server's "name\\0value\\0name\\0value" form."""
    if not text:
        return ()
    parts = text.split("\0")
    return tuple(zip(parts[0::2], parts[1::2]))


class Headers(Mapping):
    """Request headers: a read-only mapping with case-insensitive names.

    headers["content-type"] gives the first value; get_all(name) every value.
    """

    __slots__ = ("_items", "_index")

    def __init__(self, items=()):
        self._items = tuple(items)
        index = {}
        for name, value in self._items:
            index.setdefault(name.lower(), value)
        self._index = index

    def __getitem__(self, name):
        return self._index[name.lower()]

    def __contains__(self, name):
        return isinstance(name, str) and name.lower() in self._index

    def get(self, name, default=None):
        return self._index.get(name.lower(), default)

    def get_all(self, name):
        name = name.lower()
        return [v for n, v in self._items if n.lower() == name]

    def __iter__(self):
        return iter(self._index)

    def __len__(self):
        return len(self._index)

    def items_raw(self):
        """Every (name, value) pair as received, duplicates included."""
        return self._items

    def __repr__(self):
        return f"Headers({list(self._items)!r})"


class Request:
    """One HTTP request, as a handler sees it.

    method, path (percent-decoded), path_params (typed by their converters),
    query_params (last value wins), query_params_multi (every value),
    headers, cookies, body (parsed JSON for a JSON body, str for a text or
    form-urlencoded one, bytes for any other, None when empty), raw_body
    (bytes), form and form_multi (the fields of a form body, by the
    conventions of query_params), files and files_multi (the UploadedFile
    parts of a multipart body), client ((host, port); from a trusted proxy,
    the client it names), scheme ("http" or "https"), request_id (the
    X-Request-ID the client sent, or one the server made).
    """

    __slots__ = ("method", "path", "path_params", "raw_body", "client",
                 "_raw_query", "_raw_headers", "_body", "_headers", "_query", "_query_multi", "_parts", "_lazy",
                 "scheme", "request_id")

    # The server fills these slots directly (src/python/request_builder.cpp);
    # __init__ is for building a Request in Python, in a handler's unit test.
    def __init__(self, method, path, path_params=None, raw_query="", headers=(), raw_body=b"", body=_UNSET,
                 client=("127.0.0.1", 0), scheme="http", request_id=""):
        self.method = method
        self.path = path
        self.path_params = {} if path_params is None else path_params
        self.raw_body = raw_body
        self.client = client
        self._raw_query = raw_query
        self._raw_headers = "\0".join(f"{name}\0{value}" for name, value in headers)
        self._body = body
        self._headers = None
        self._query = None
        self._query_multi = None
        self._parts = None  # the server's split of a multipart body
        self._lazy = None   # form, files and cookies, once read
        self.scheme = scheme
        self.request_id = request_id

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(_header_pairs(self._raw_headers))
        return self._headers

    @property
    def query_params(self) -> dict:
        if self._query is None:
            self._query = dict(self._query_pairs())
        return self._query

    @property
    def query_params_multi(self) -> dict:
        if self._query_multi is None:
            multi = {}
            for key, value in self._query_pairs():
                multi.setdefault(key, []).append(value)
            self._query_multi = multi
        return self._query_multi

    @property
    def query_string(self) -> str:
        return self._raw_query

    @property
    def body(self):
        if self._body is _UNSET:
            raw, content_type = self.raw_body, self.headers.get("content-type", "")
            self._body = (_decode_text(raw, content_type) if _is_text(content_type) else raw) if raw else None
        return self._body

    @property
    def cookies(self) -> dict:
        return self._cached("cookies", lambda: _parse_cookies(self.headers.get_all("cookie")))

    @property
    def form(self) -> dict:
        return self._form()[0]

    @property
    def form_multi(self) -> dict:
        return self._form()[1]

    @property
    def files(self) -> dict:
        return self._files()[0]

    @property
    def files_multi(self) -> dict:
        return self._files()[1]

    def _form(self):
        def fields():
            if self._parts is not None:
                return [(name, _decode_text(data, content_type or ""))
                        for name, filename, content_type, data in self._parts if filename is None]
            media = self.headers.get("content-type", "").partition(";")[0].strip().lower()
            if media == "application/x-www-form-urlencoded" and self.raw_body:
                return _parse_query(self.raw_body)
            return ()
        return self._cached("form", lambda: _one_and_all(fields()))

    def _files(self):
        return self._cached("files", lambda: _one_and_all(
            (name, UploadedFile(filename, content_type or "text/plain", data))
            for name, filename, content_type, data in self._parts or () if filename is not None))

    def _cached(self, name, make):
        if self._lazy is None:
            self._lazy = {}
        if name not in self._lazy:
            self._lazy[name] = make()
        return self._lazy[name]

    def _query_pairs(self):
        return _parse_query(self._raw_query) if self._raw_query else ()

    def __repr__(self):
        return f"<Request {self.method} {self.path}>"
