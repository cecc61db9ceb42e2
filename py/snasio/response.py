"""An explicit response, for when a plain return value is not enough."""

import datetime

from snasio import _http
from snasio.request import Headers

_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}
_REDIRECTS = (300, 301, 302, 303, 307, 308)


class MutableHeaders(Headers):
    """Response headers: Headers that can be changed, keeping the order and
    the case they were set in. headers["X-Thing"] = "1" replaces every
    X-Thing; add() appends another; del removes every one."""

    __slots__ = ()

    def __setitem__(self, name: str, value: str) -> None:
        lower = name.lower()
        self._items = [(n, v) for n, v in self._items if n.lower() != lower]
        self._items.append((name, value))
        self._index = None

    def add(self, name: str, value: str) -> None:
        """Appends a value, keeping those `name` has already."""
        self._items.append((name, value))
        self._index = None

    def __delitem__(self, name: str) -> None:
        lower = name.lower()
        kept = [(n, v) for n, v in self._items if n.lower() != lower]
        if len(kept) == len(self._items):
            raise KeyError(name)
        self._items = kept
        self._index = None


class Response:
    """A body with its status, extra headers and content type.

    The body follows the same rules as a handler's return value: dict/list are
    sent as JSON, str as text/plain, bytes as application/octet-stream, None as
    an empty body. `content_type`, when given, replaces the one implied.
    `headers` is always a MutableHeaders. Cookies set with set_cookie() are
    kept apart from it, each sent as its own Set-Cookie.
    """

    __slots__ = ("body", "status", "_headers", "content_type", "_cookies")

    def __init__(self, body=None, status: int = 200, headers=None, content_type: str | None = None) -> None:
        self.body = body
        self.status = status
        self._headers = headers  # as given until read: the server takes a dict or pairs as they are
        self.content_type = content_type
        self._cookies = None  # the Set-Cookie values, in the order they were set

    def set_cookie(self, name: str, value: str = "", max_age: int | datetime.timedelta | None = None,
                   path: str | None = "/", domain: str | None = None, secure: bool = False,
                   httponly: bool = False, samesite: str | None = None) -> None:
        """Sets a cookie (RFC 6265). A value a cookie cannot carry as it is
        (a space, a quote, a letter beyond ASCII) is quoted, as http.cookies
        quotes it, and request.cookies reads it back unquoted. max_age in
        seconds (an int or a timedelta); samesite "Strict", "Lax" or "None"
        (which browsers take only with secure=True). The name must be an HTTP
        token: the server refuses to send one that is not (a 500, logged)."""
        attributes = [f"{name}={_http.quote_cookie(value)}"]
        if max_age is not None:
            if isinstance(max_age, datetime.timedelta):
                max_age = max_age.total_seconds()
            attributes.append(f"Max-Age={int(max_age)}")
        for attribute, text in (("Domain", domain), ("Path", path)):
            if text:
                if ";" in text or not text.isprintable() or not text.isascii():
                    raise ValueError(f"cookie {name!r}: {attribute} {text!r} is not a valid attribute value")
                attributes.append(f"{attribute}={text}")
        if secure:
            attributes.append("Secure")
        if httponly:
            attributes.append("HttpOnly")
        if samesite is not None:
            if str(samesite).lower() not in _SAMESITE:
                raise ValueError(f"cookie {name!r}: samesite must be 'Strict', 'Lax' or 'None', not {samesite!r}")
            attributes.append("SameSite=" + _SAMESITE[samesite.lower()])
        if self._cookies is None:
            self._cookies = []
        self._cookies.append("; ".join(attributes))

    def delete_cookie(self, name: str, path: str | None = "/", domain: str | None = None) -> None:
        """Tells the client to drop a cookie: the same name, path and domain,
        an empty value, expired."""
        self.set_cookie(name, "", max_age=0, path=path, domain=domain)
        self._cookies[-1] += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT"

    @property
    def headers(self) -> MutableHeaders:
        if not isinstance(self._headers, MutableHeaders):
            self._headers = MutableHeaders(self._headers or ())
        return self._headers

    @headers.setter
    def headers(self, value) -> None:
        self._headers = value

    def __repr__(self) -> str:
        return f"Response(status={self.status!r}, content_type={self.content_type!r})"


def redirect(url: str, status: int = 302) -> Response:
    """A redirect to `url` (a Location header and no body): 302 Found by
    default; 301 or 308 for a permanent move, 303 to answer a form post with
    a GET, 307 to repeat the same method."""
    if status not in _REDIRECTS:
        raise ValueError(f"redirect status must be one of {', '.join(map(str, _REDIRECTS))}, not {status!r}")
    return Response(None, status=status, headers={"Location": url})
