"""An explicit response, for when a plain return value is not enough."""


class MutableHeaders:
    """Response headers: a mutable mapping with case-insensitive names that
    keeps the order and the case they were set in. headers["X-Thing"] = "1"
    replaces every X-Thing; add() appends another."""

    __slots__ = ("_items",)

    def __init__(self, headers=None):
        self._items = []
        if headers:
            for name, value in (headers.items() if hasattr(headers, "items") else headers):
                self._items.append((name, value))

    def __getitem__(self, name):
        lower = name.lower()
        for n, v in self._items:
            if n.lower() == lower:
                return v
        raise KeyError(name)

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def get_all(self, name):
        lower = name.lower()
        return [v for n, v in self._items if n.lower() == lower]

    def __setitem__(self, name, value):
        lower = name.lower()
        self._items = [(n, v) for n, v in self._items if n.lower() != lower]
        self._items.append((name, value))

    def add(self, name, value):
        self._items.append((name, value))

    def __delitem__(self, name):
        lower = name.lower()
        kept = [(n, v) for n, v in self._items if n.lower() != lower]
        if len(kept) == len(self._items):
            raise KeyError(name)
        self._items = kept

    def __contains__(self, name):
        return isinstance(name, str) and any(n.lower() == name.lower() for n, _ in self._items)

    def __iter__(self):
        return iter([n for n, _ in self._items])

    def __len__(self):
        return len(self._items)

    def items(self):
        """Every (name, value) pair, in order, repeats included."""
        return list(self._items)

    def __repr__(self):
        return f"MutableHeaders({self._items!r})"


class Response:
    """A body with its status, extra headers and content type.

    The body follows the same rules as a handler's return value: dict/list are
    sent as JSON, str as text/plain, bytes as application/octet-stream, None as
    an empty body. `content_type`, when given, replaces the one implied.
    `headers` is always a mutable, case-insensitive mapping.
    """

    __slots__ = ("body", "status", "_headers", "content_type")

    def __init__(self, body=None, status: int = 200, headers=None, content_type: str | None = None):
        self.body = body
        self.status = status
        self._headers = headers  # as given until read: the server takes a dict or pairs as they are
        self.content_type = content_type

    @property
    def headers(self) -> MutableHeaders:
        if not isinstance(self._headers, MutableHeaders):
            self._headers = MutableHeaders(self._headers)
        return self._headers

    @headers.setter
    def headers(self, value):
        self._headers = value

    def __repr__(self) -> str:
        return f"Response(status={self.status!r}, content_type={self.content_type!r})"
