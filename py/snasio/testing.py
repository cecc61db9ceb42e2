"""Testing an app end to end: TestClient runs the real snasio-serve on an
ephemeral port and speaks HTTP/1.1 to it.

    from snasio.testing import TestClient

    def test_hello():
        with TestClient("path/to/app_dir") as client:
            response = client.get("/hello")
            assert response.status_code == 200
            assert response.json() == {"message": "Hello from Python"}

The server is found through $SNASIO_SERVE, else on PATH, else in the build
of the source tree this package belongs to (build/src/snasio-serve). Leaving
the `with` block stops it with SIGTERM and checks that it exited 0; when the
block fails, the server's log (its stderr and stdout) goes to stderr, which
pytest shows with the failure.
"""

import http.client
import json as json_module
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

from snasio import _http
from snasio.request import Headers

_LISTENING = "snasio listening on http://"


def find_server() -> str:
    """The snasio-serve to run: $SNASIO_SERVE, else PATH, else the source build."""
    named = os.environ.get("SNASIO_SERVE") or shutil.which("snasio-serve")
    if named:
        return named
    built = pathlib.Path(__file__).resolve().parents[2] / "build" / "src" / "snasio-serve"
    if built.exists():
        return str(built)
    raise FileNotFoundError("snasio-serve not found: set SNASIO_SERVE, put it on PATH, or build it (just build)")


class TestResponse:
    """What the server answered: status_code, headers (case-insensitive),
    content (bytes), text, json() and cookies (from Set-Cookie)."""

    __test__ = False  # not a test class, for pytest

    def __init__(self, status_code: int, headers: Headers, content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return _http.decode_text(self.content, _http.content_type_parts(self.headers.get("content-type", ""))[1])

    def json(self) -> object:
        return json_module.loads(self.content)

    @property
    def cookies(self) -> dict:
        """The cookies the response sets, {name: value}, values unquoted."""
        return dict(pair for header in self.headers.getlist("set-cookie")
                    for pair in _http.cookie_pairs(header.split(";", 1)[0]))

    def __repr__(self) -> str:
        return f"<TestResponse {self.status_code}>"


class TestClient:
    """Runs `snasio-serve --app-dir APP_DIR *flags` for the length of a `with`
    block; get/post/put/patch/delete/head/options send requests to it."""

    __test__ = False  # not a test class, for pytest

    def __init__(self, app_dir: str | os.PathLike | None = None, *flags: str, env: dict | None = None,
                 startup_timeout: float = 30.0, timeout: float = 30.0) -> None:
        self.command = [find_server(), "--host", "127.0.0.1", "--port", "0",
                        *(["--app-dir", str(app_dir)] if app_dir is not None else []), *map(str, flags)]
        self.env = env
        self.startup_timeout = startup_timeout
        self.timeout = timeout
        self.url = None
        self._process = None
        self._connection = None
        self._log = None

    def __enter__(self) -> "TestClient":
        self._log = tempfile.NamedTemporaryFile(prefix="snasio-testclient-", suffix=".log")
        self._process = subprocess.Popen(self.command, stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + self.startup_timeout
        while (line := self._listening_line()) is None:
            if self._process.poll() is not None or time.monotonic() > deadline:
                self._stop()
                raise RuntimeError(f"snasio-serve did not start ({' '.join(self.command)}); its log:\n{self.log()}")
            time.sleep(0.01)
        self.url = "http://" + line
        host, _, port = line.rpartition(":")
        self._connection = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=self.timeout)
        return self

    def __exit__(self, kind, error, trace) -> bool:
        code = self._stop()
        if error is not None:
            # On stderr, which pytest shows with a failing test ("Captured stderr call").
            print("snasio-serve's log:\n" + self.log(), file=sys.stderr)
            return False
        if code != 0:
            raise AssertionError(f"snasio-serve exited with {code}, not 0; its log:\n{self.log()}")
        return False

    def log(self) -> str:
        """Everything the server wrote so far, stderr and stdout."""
        with open(self._log.name, errors="replace") as f:
            return f.read()

    def _listening_line(self):
        for line in self.log().splitlines():
            if line.startswith(_LISTENING):
                return line[len(_LISTENING):].strip()
        return None

    def _stop(self):
        if self._connection is not None:
            self._connection.close()
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        return self._process.returncode

    def request(self, method: str, path: str, *, json=None, data=None, files: dict | None = None,
                content: bytes | str | None = None, headers: dict | None = None, params: dict | None = None,
                cookies: dict | None = None) -> TestResponse:
        """Sends one request. json= is sent as JSON; data= as a form
        (url-encoded, or multipart/form-data along with files=, a dict of
        name -> bytes or (filename, bytes[, content type])); content= as
        raw bytes (or str, as UTF-8)."""
        if params:
            path += ("&" if "?" in path else "?") + urllib.parse.urlencode(params, doseq=True)
        sent = list((headers or {}).items())
        body = None
        if json is not None:
            body, content_type = json_module.dumps(json).encode(), "application/json"
        elif files is not None:
            body, content_type = _multipart(data or {}, files)
        elif isinstance(data, dict):
            body, content_type = urllib.parse.urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded"
        else:
            body, content_type = (data if data is not None else content), None
            body = body.encode() if isinstance(body, str) else body
        if content_type and not any(name.lower() == "content-type" for name, _ in sent):
            sent.append(("Content-Type", content_type))
        if cookies:
            sent.append(("Cookie", "; ".join(f"{name}={_http.quote_cookie(value)}" for name, value in cookies.items())))
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = b""
        try:
            return self._send(method, path, body, sent)
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closed an idle keep-alive connection: once more, on a new one.
            self._connection.close()
            return self._send(method, path, body, sent)

    def _send(self, method, path, body, headers):
        self._connection.request(method, path, body=body, headers=dict(headers))
        answer = self._connection.getresponse()
        content = answer.read()
        return TestResponse(answer.status, Headers(answer.getheaders()), content)

    def get(self, path: str, **kwargs) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> TestResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> TestResponse:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs) -> TestResponse:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs) -> TestResponse:
        return self.request("DELETE", path, **kwargs)

    def head(self, path: str, **kwargs) -> TestResponse:
        return self.request("HEAD", path, **kwargs)

    def options(self, path: str, **kwargs) -> TestResponse:
        return self.request("OPTIONS", path, **kwargs)


def _quoted(text):
    """A name for a Content-Disposition parameter, as a quoted-string."""
    if "\r" in text or "\n" in text:
        raise ValueError(f"a form field or file name cannot hold CR or LF: {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _multipart(fields, files):
    """A multipart/form-data body and its Content-Type."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            one = one if isinstance(one, bytes) else str(one).encode()
            parts.append(f"Content-Disposition: form-data; name={_quoted(name)}\r\n\r\n".encode() + one)
    for name, file in files.items():
        filename, data, content_type = (file + ("application/octet-stream",))[:3] if isinstance(file, tuple) \
            else (name, file, "application/octet-stream")
        parts.append(f"Content-Disposition: form-data; name={_quoted(name)}; filename={_quoted(filename)}\r\n"
                     f"Content-Type: {content_type}\r\n\r\n".encode() + data)
    delimiter = f"--{boundary}".encode()
    body = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts) + delimiter + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary}"
