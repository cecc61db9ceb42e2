"""What a handler receives: the request, converted only as far as it is read."""

from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import parse_qsl

from snasio import _contract, _http

try:
    from _snasio import parse_json as _parse_json, parse_query as _parse_query
except ImportError:  # a Request built outside the server: the standard library reads it
    from json import loads as _parse_json

    def _parse_query(raw):
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", "replace")
        return parse_qsl(raw, keep_blank_values=True, errors="replace")

UNSET = object()  # a body not decoded yet (the server leaves a text body so)
JSON_UNREAD = object()  # a JSON body whose parsed objects became a typed handler's values: parsed again if read


class Headers(Mapping):
    """Headers, the same on a request and (as MutableHeaders) on a response: a
    multi-dict with case-insensitive names that keeps every pair in order.

    headers[name] and get(name) give the first value; getlist(name) (or its
    alias get_all) every value; items(), keys() and values() give every pair,
    repeats included, and len() counts the pairs.
    """

    __slots__ = ("_items", "_index")

    def __init__(self, items=()) -> None:
        if hasattr(items, "items"):
            items = items.items()
        self._items = list(items)
        self._index = None  # lower-case name -> first value, built on first lookup

    def _first(self) -> dict:
        if self._index is None:
            index = {}
            for name, value in self._items:
                index.setdefault(name.lower(), value)
            self._index = index
        return self._index

    def __getitem__(self, name: str) -> str:
        return self._first()[name.lower()]

    def get(self, name: str, default=None):
        return self._first().get(name.lower(), default)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name.lower() in self._first()

    def getlist(self, name: str) -> list[str]:
        """Every value of `name`, in order."""
        name = name.lower()
        return [v for n, v in self._items if n.lower() == name]

    get_all = getlist

    def __iter__(self):
        return iter([n for n, _ in self._items])

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[str]:
        return [n for n, _ in self._items]

    def values(self) -> list[str]:
        return [v for _, v in self._items]

    def items(self) -> list[tuple[str, str]]:
        """Every (name, value) pair, in order, repeats included."""
        return list(self._items)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        pairs = other.items() if isinstance(other, Headers) else other.items()
        return [(n.lower(), v) for n, v in self._items] == [(n.lower(), v) for n, v in pairs]

    __hash__ = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


class UploadedFile(NamedTuple):
    """A file part of a multipart/form-data body."""
    filename: str
    content_type: str  # as the client sent it; "text/plain" when it sent none (RFC 7578)
    data: bytes
    headers: tuple = ()  # the part's header lines, (lower-case name, value); a typed File parameter's have them


def _one_and_all(pairs) -> tuple[dict, dict]:
    """({name: last value}, {name: [every value]}) from (name, value) pairs,
    the conventions of query_params and query_params_multi."""
    multi = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return {name: values[-1] for name, values in multi.items()}, multi


def _header_pairs(text: str):
    """(name, value) pairs from the server's "name\\0value\\0name\\0value" form."""
    if not text:
        return ()
    parts = text.split("\0")
    return zip(parts[0::2], parts[1::2])


class Request:
    """One HTTP request, as a handler sees it.

    method, path (percent-decoded), path_params (typed by their converters),
    query_params (last value wins), query_params_multi (every value),
    headers, trailers (of a chunked body, kept apart), cookies, body (parsed
    JSON for a JSON body, str for a text or
    form-urlencoded one, bytes for any other, None when empty), raw_body
    (bytes), form and form_multi (the fields of a form body, by the
    conventions of query_params), files and files_multi (the UploadedFile
    parts of a multipart body), client ((host, port); from a trusted proxy,
    the client it names), scheme ("http" or "https"), request_id (the
    X-Request-ID the client sent, or one the server made).
    """

    # The server fills these fields in place (src/python/request_builder.cpp),
    # never running __init__; snasio._contract declares them for both sides.
    __slots__ = _contract.REQUEST_FIELDS

    def __init__(self, method: str, path: str, path_params: dict | None = None, raw_query: str = "",
                 headers=(), raw_body: bytes = b"", body=UNSET, client: tuple = ("127.0.0.1", 0),
                 scheme: str = "http", request_id: str = "", trailers=()) -> None:
        """A Request built in Python, for a handler's unit test: what the
        server decodes in C++, the standard library decodes here."""
        self.method = method
        self.path = path
        self.path_params = {} if path_params is None else path_params
        self.raw_body = raw_body
        self.client = client
        self.scheme = scheme
        self.request_id = request_id
        self._raw_query = raw_query
        self._raw_headers = "\0".join(f"{name}\0{value}" for name, value in headers)
        self._raw_trailers = "\0".join(f"{name}\0{value}" for name, value in trailers)
        self._headers = self._query = self._query_multi = self._parts = self._lazy = None
        self._values = self._problem = None  # typed parameters: the server fills them
        self._body = None if body is UNSET and not raw_body else body
        self._charset = _http.body_charset(self.headers.get("content-type", ""))

    @property
    def headers(self) -> Headers:
        # The first read makes the mapping: a handler that reads no header pays nothing.
        if self._headers is None:
            self._headers = Headers(_header_pairs(self._raw_headers))
        return self._headers

    @property
    def trailers(self) -> Headers:
        """The trailer fields of a chunked body, kept apart from the headers
        (they change no Host, framing, content type or forwarding)."""
        return self._cached("trailers", lambda: Headers(_header_pairs(self._raw_trailers)))

    @property
    def query_params(self) -> dict:
        if self._query is None:
            self._query = dict(self._query_pairs())
        return self._query

    @property
    def query_params_multi(self) -> dict:
        if self._query_multi is None:
            self._query_multi = _one_and_all(self._query_pairs())[1]
        return self._query_multi

    @property
    def query_string(self) -> str:
        return self._raw_query

    @property
    def body(self):
        if self._body is UNSET:
            self._body = _http.decode_text(self.raw_body, self._charset) if self._charset else self.raw_body
        elif self._body is JSON_UNREAD:
            self._body = _parse_json(self.raw_body)
        return self._body

    @property
    def cookies(self) -> dict:
        """The Cookie header's pairs (RFC 6265), values unquoted; the first of
        a name wins, as a browser sends the cookie of the most specific path first."""
        def parse():
            cookies = {}
            for header in self.headers.getlist("cookie"):
                for name, value in _http.cookie_pairs(header):
                    cookies.setdefault(name, value)
            return cookies
        return self._cached("cookies", parse)

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
            if self._parts is None and self.raw_body:
                # A Request built in Python: the standard library splits its form.
                media = _http.content_type_parts(self.headers.get("content-type", ""))[0]
                if media == "application/x-www-form-urlencoded":
                    return _parse_query(self.raw_body)
            return [(name, _http.decode_text(data, _http.content_type_parts(content_type or "")[1]))
                    for name, filename, content_type, data in self._parts or () if filename is None]
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

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path}>"
