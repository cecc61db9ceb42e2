"""HTTP details this package needs in more than one place: what a
Content-Type says of a body, and cookies' name=value pairs and quoting."""

import email.message
import email.utils
import http.cookies

from snasio._contract import TEXT_MEDIA_TYPES

_COOKIES = http.cookies.SimpleCookie()  # its value_encode/value_decode quote as browsers expect


def content_type_parts(value: str) -> tuple[str, str | None]:
    """(media type in lower case, charset or None) of a Content-Type value,
    its parameters parsed by the standard library's MIME header parser."""
    media = value.partition(";")[0].strip().lower()
    message = email.message.Message()
    message["Content-Type"] = value
    charset = message.get_param("charset")
    if isinstance(charset, tuple):  # an RFC 2231 parameter
        charset = email.utils.collapse_rfc2231_value(charset)
    return media, (charset or None)


def body_charset(content_type: str) -> str | None:
    """The charset to decode a body of this Content-Type with, or None when it
    is bytes: text/*, TEXT_MEDIA_TYPES, */*+json and */*+xml are text (UTF-8
    unless a charset is named), and so is any type sent with a charset. The
    server applies the same rule in C++ (src/python/request_builder.cpp)."""
    if not content_type:
        return None
    media, charset = content_type_parts(content_type)
    if charset:
        return charset
    if media.startswith("text/") or media in TEXT_MEDIA_TYPES or media.endswith(("+json", "+xml")):
        return "utf-8"
    return None


def decode_text(raw: bytes, charset: str | None) -> str:
    """Bytes in the charset named (UTF-8 when none, or one Python does not
    know), with U+FFFD for what does not decode."""
    if charset:
        try:
            return raw.decode(charset, "replace")
        except (LookupError, ValueError):  # unknown, not text ("base64"), or no "replace" ("idna")
            pass
    return raw.decode("utf-8", "replace")


def cookie_pairs(header: str):
    """The (name, value) pairs of a Cookie header ("a=1; b=2"), values unquoted."""
    for pair in header.split(";"):
        name, eq, value = pair.strip().partition("=")
        if eq and name.strip():
            yield name.strip(), unquote_cookie(value.strip())


def quote_cookie(value: str) -> str:
    """A cookie value as it is sent: as it is when every character may stand
    in a cookie, else in double quotes with backslash escapes, as http.cookies
    quotes it; a character beyond ASCII goes as its UTF-8 bytes, each escaped."""
    return _COOKIES.value_encode(value.encode("utf-8").decode("latin-1"))[1] if value else ""


def unquote_cookie(value: str) -> str:
    """A cookie value as received, its quotes and escapes undone, and UTF-8
    bytes (escaped, or raw in a header read as Latin-1) read as UTF-8."""
    value = _COOKIES.value_decode(value)[0]
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value
