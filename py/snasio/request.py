"""What a handler receives: the request, converted only as far as it is read."""

from collections.abc import Mapping

try:
    from _snasio import parse_query as _parse_query
except ImportError:  # outside the server (see routing.py)
    from urllib.parse import parse_qsl

    def _parse_query(raw):
        return parse_qsl(raw, keep_blank_values=True)

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
    headers, body (parsed JSON for a JSON body, text otherwise, None when
    empty), raw_body (bytes), client ((host, port)).
    """

    __slots__ = ("method", "path", "path_params", "raw_body", "client",
                 "_raw_query", "_raw_headers", "_body", "_headers", "_query", "_query_multi")

    # The server fills these slots directly (src/python/request_builder.cpp);
    # __init__ is for building a Request in Python, in a handler's unit test.
    def __init__(self, method, path, path_params=None, raw_query="", headers=(), raw_body=b"", body=_UNSET,
                 client=("127.0.0.1", 0)):
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
            raw = self.raw_body
            self._body = _decode_text(raw, self.headers.get("content-type", "")) if raw else None
        return self._body

    def _query_pairs(self):
        return _parse_query(self._raw_query) if self._raw_query else ()

    def __repr__(self):
        return f"<Request {self.method} {self.path}>"
