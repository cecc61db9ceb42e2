"""The exception a handler raises to answer with an HTTP error."""


class HTTPError(Exception):
    """Raise to answer with `status` and the JSON body {"error": detail}."""

    def __init__(self, status: int, detail: str | None = None, headers=None):
        if detail is None:
            detail = "error"
        super().__init__(status, detail)
        self.status = status
        self.detail = detail
        self.headers = headers

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}"
