"""An explicit response, for when a plain return value is not enough."""


class Response:
    """A body with its status, extra headers and content type.

    The body follows the same rules as a handler's return value: dict/list are
    sent as JSON, str as text/plain, bytes as application/octet-stream, None as
    an empty body. `content_type`, when given, replaces the one implied.
    """

    __slots__ = ("body", "status", "headers", "content_type")

    def __init__(self, body=None, status: int = 200, headers=None, content_type: str | None = None):
        self.body = body
        self.status = status
        self.headers = headers
        self.content_type = content_type

    def __repr__(self) -> str:
        return f"Response(status={self.status!r}, content_type={self.content_type!r})"
