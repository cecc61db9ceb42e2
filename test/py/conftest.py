"""Shared fixtures for the end-to-end tests: run the real snasio-serve binary
on an ephemeral port and talk to it with real clients."""

import email.utils
import json
import os
import pathlib
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD_DIR = pathlib.Path(os.environ.get("SNASIO_BUILD_DIR", ROOT / "build")).resolve()
SERVE = BUILD_DIR / "src" / "snasio-serve"
EXAMPLE_APP = ROOT / "examples" / "app"

# snasio's package, for snasio.testing.TestClient, which runs this build's server.
sys.path.insert(0, str(ROOT / "py"))
os.environ.setdefault("SNASIO_SERVE", str(SERVE))

# The interpreter that runs the tests must be Debian's, the one snasio embeds.
assert sys.executable == "/usr/bin/python3" or os.path.realpath(sys.executable).startswith("/usr/bin/python3"), (
    f"run the tests with /usr/bin/python3, not {sys.executable}")


class Server:
    """A running snasio-serve process and where it listens."""

    def __init__(self, args, env=None, cwd=None, startup_timeout=20.0, binary=None, prefix=(), preexec_fn=None):
        """`prefix`: a command that runs the server, such as ip netns exec NAME;
        `preexec_fn`: run in the child before it starts (to lower a limit, say)."""
        binary = binary or SERVE
        if not binary.exists():
            raise FileNotFoundError(f"{binary} is not built (run `just build`)")
        self.log = tempfile.NamedTemporaryFile(prefix="snasio-stderr-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [*prefix, str(binary), "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=self.log, env=env, cwd=cwd, preexec_fn=preexec_fn)
        line = self._read_line(startup_timeout)
        prefix = "snasio listening on http://"
        self.uds = None
        if line.startswith("snasio listening on unix:"):  # --uds
            self.uds = line[len("snasio listening on unix:"):].strip()
            self.host, self.port, self.url = None, None, "unix:" + self.uds
            return
        if not line.startswith(prefix):
            log = self.stderr()
            self.stop()
            raise RuntimeError(f"server did not start: {line!r}\nstderr:\n{log}")
        hostport = line[len(prefix):].strip()
        self.host, _, port = hostport.rpartition(":")
        self.host = self.host.strip("[]")
        self.port = int(port)
        self.url = "http://" + hostport

    def _read_line(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return ""
        return self.proc.stdout.readline().decode()

    def stderr(self):
        with open(self.log.name, "r", errors="replace") as f:
            return f.read()

    def connect(self, timeout=10.0):
        if self.uds:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(timeout)
            s.connect(self.uds)
            return s
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=30.0):
        return self.proc.wait(timeout=timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
        os.unlink(self.log.name)


def fetch(srv, path, method="GET", body=None, headers=None):
    """One request on a fresh connection: (status, headers, body), the body
    parsed when it is JSON (application/json or application/problem+json)."""
    import http.client
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        kind = r.getheader("Content-Type", "")
        return r.status, r.msg, json.loads(data) if kind.startswith(("application/json",
                                                                     "application/problem+json")) else data
    finally:
        conn.close()


@pytest.fixture
def start_server():
    """Starts servers with the given flags; stops them all at the end of the test."""
    started = []

    def start(*args, **kwargs):
        srv = Server(list(args), **kwargs)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture(scope="module")
def server():
    """One server with default flags, shared by a module's tests."""
    srv = Server([])
    yield srv
    srv.stop()


def recv_until_closed(sock, timeout=10.0):
    """Reads until the server closes the connection; returns all bytes."""
    sock.settimeout(timeout)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


# -- a raw HTTP/1.1 client: every byte the server sends, read as it arrives --------

@dataclass
class Response:
    version: str
    status: int
    headers: dict = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def json(self):
        return json.loads(self.body)


def check_standard_headers(r):
    """What every final response carries: Server, a current Date, a framing."""
    assert r.headers.get("server") == "snasio"
    sent = email.utils.parsedate_to_datetime(r.headers["date"])
    assert r.headers["date"].endswith(" GMT")
    assert abs(sent.timestamp() - time.time()) < 10
    if r.status not in (204, 304):
        # One framing: a length, or chunked (a stream).
        assert ("content-length" in r.headers) != (r.headers.get("transfer-encoding") == "chunked"), r.headers


class Client:
    """One raw TCP connection that reads responses back one at a time."""

    def __init__(self, srv, timeout=10.0):
        self.timeout = timeout
        self.sock = srv.connect(timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exactly(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def response(self, head=False):
        """Reads one response (for a HEAD request: no body whatever it says)."""
        version, status, _reason = self._line().decode("latin-1").split(" ", 2)
        headers = {}
        while line := self._line():
            name, colon, value = line.decode("latin-1").partition(":")
            assert colon and name == name.strip(), line
            headers[name.lower()] = value.strip()
        r = Response(version, int(status), headers)
        if r.status >= 200:
            check_standard_headers(r)
            if not head and r.status not in (204, 304):
                r.body = self._exactly(int(headers["content-length"]))
        return r

    def nothing_yet(self, wait=0.3):
        """True when no byte arrives within `wait` seconds."""
        return not self.buf and not select.select([self.sock], [], [], wait)[0]

    def closed_by_server(self, timeout=5.0):
        """True when the server closes (FIN or RST) within `timeout`, sending nothing more."""
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
        finally:
            self.sock.settimeout(self.timeout)

    def close(self):
        self.sock.close()
