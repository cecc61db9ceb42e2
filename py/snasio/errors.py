"""The exceptions of snasio: the one a handler raises to answer with an HTTP
error, and the one that stops start-up when a route cannot be planned."""

import http


class HTTPError(Exception):
    """Raise to answer with `status` and the JSON body {"error": detail}; the
    detail defaults to the status's reason phrase ("Not Found")."""

    def __init__(self, status: int, detail: str | None = None, headers=None) -> None:
        if detail is None:
            try:
                detail = http.HTTPStatus(status).phrase
            except ValueError:  # a status Python has no phrase for
                detail = "error"
        super().__init__(status, detail)
        self.status = status
        self.detail = detail
        self.headers = headers

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}"


class PlanError(ValueError):
    """A route that cannot be planned: start-up stops with this message."""
