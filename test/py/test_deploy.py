"""The deployment of docs/deploy.md ("Across machines"), followed verbatim:
Debian's nginx in front of two snasio instances started with the documented
command line, each in its own network namespace with its own address when
`ip netns` is available (the test id says "netns"), otherwise on two
loopback ports ("loopback"). A client with its own address drives traffic
through nginx while one instance is stopped gracefully and a worker of the
other is killed."""

import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import ROOT, SERVE, Server

DOC = ROOT / "docs" / "deploy.md"
APP = ROOT / "test" / "py" / "apps" / "deploy"
NET = "10.251.77."  # the documentation's 10.0.0.x, on a bridge of this test's own
NAMESPACES = {"a": NET + "11", "b": NET + "12", "c": NET + "50"}  # two instances and the client
NGINX_HOST = NET + "2"

LOAD = r'''
import http.client, json, sys, threading, time
host, port, seconds, source = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
results, lock = [], threading.Lock()

def client(n):
    conn, i, end = None, 0, time.monotonic() + seconds
    while time.monotonic() < end:
        i += 1
        method = "POST" if i % 5 == 0 else "GET"
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=30, source_address=(source, 0))
            if method == "POST":
                conn.request("POST", "/echo", body=json.dumps({"n": i}), headers={"Content-Type": "application/json"})
            else:
                conn.request("GET", "/who")
            r = conn.getresponse()
            record = {"method": method, "n": i, "status": r.status, "body": r.read().decode("utf-8", "replace")}
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except Exception as e:  # no answer, or not a well-formed one
            record = {"method": method, "n": i, "error": repr(e)}
            if conn is not None:
                conn.close()
            conn = None
        with lock:
            results.append(record)

threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(results))
'''


def documented(marker):
    """The fenced block of docs/deploy.md whose first line is `marker`."""
    blocks = re.findall(r"```\w*\n(.*?)```", DOC.read_text(), re.S)
    found = [b for b in blocks if b.splitlines()[0].strip() == marker]
    assert len(found) == 1, f"docs/deploy.md has no single block starting {marker!r}"
    return found[0]


def run(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


def namespaces_available():
    if os.geteuid() != 0 or not shutil.which("ip"):
        return False
    probe = subprocess.run(["ip", "netns", "add", "snasio-probe"], capture_output=True)
    if probe.returncode != 0:
        return False
    subprocess.run(["ip", "netns", "del", "snasio-probe"], capture_output=True)
    # The test's addresses must not be on a network this machine already has
    # (then the route to them would name that network's device, not a gateway).
    route = subprocess.run(["ip", "route", "get", NET + "11"], capture_output=True, text=True).stdout
    return " via " in route or "snasio-br" in route or route == ""


@pytest.fixture
def network(request):
    """Where each party lives: {name: (address, command prefix)}."""
    if request.param == "loopback":
        yield {"a": ("127.0.0.1", ()), "b": ("127.0.0.1", ()), "c": ("127.0.0.2", ()), "nginx": "127.0.0.1"}
        return
    # A bridge with nginx's address on it, and a namespace with one veth on
    # the bridge for each instance and for the client.
    cleanup = [["ip", "link", "del", "snasio-br"]] + [["ip", "netns", "del", "snasio-" + n] for n in NAMESPACES]
    for cmd in cleanup:  # what a run that was killed may have left
        subprocess.run(cmd, capture_output=True)
    cleanup = cleanup[:1]
    try:
        run("ip", "link", "add", "snasio-br", "type", "bridge")
        run("ip", "addr", "add", NGINX_HOST + "/24", "dev", "snasio-br")
        run("ip", "link", "set", "snasio-br", "up")
        for name, address in NAMESPACES.items():
            ns = "snasio-" + name
            run("ip", "netns", "add", ns)
            cleanup.append(["ip", "netns", "del", ns])
            run("ip", "link", "add", ns + "-h", "type", "veth", "peer", "name", "eth0", "netns", ns)
            run("ip", "link", "set", ns + "-h", "master", "snasio-br", "up")
            run("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0")
            run("ip", "-n", ns, "link", "set", "eth0", "up")
            run("ip", "-n", ns, "link", "set", "lo", "up")
        yield {name: (address, ("ip", "netns", "exec", "snasio-" + name)) for name, address in NAMESPACES.items()} | {
            "nginx": NGINX_HOST}
    finally:
        for cmd in reversed(cleanup):
            subprocess.run(cmd, capture_output=True)


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start_instance(network, name, nginx_address):
    """The documented instance command, with this test's address, app and binary."""
    address, prefix = network[name]
    command = shlex.split(documented("# snasio-instance").splitlines()[1])
    assert command[0] == "snasio-serve"
    args = " ".join(command[1:]).replace("/srv/app", str(APP)).replace("10.0.0.11", address)
    args = args.replace("10.0.0.2", nginx_address)
    if address.startswith("127."):
        args = args.replace("--port 8000", f"--port {free_port(address)}")
    return Server(args.split(), binary=SERVE, prefix=prefix)


def start_nginx(tmp, upstreams, listen):
    block = documented("# snasio-upstream")
    block = block.replace("server 10.0.0.11:8000", f"server {upstreams[0]}")
    block = block.replace("server 10.0.0.12:8000", f"server {upstreams[1]}")
    block = block.replace("listen 80;", f"listen {listen};")
    assert upstreams[0] in block and upstreams[1] in block and listen in block
    conf = tmp / "nginx.conf"
    conf.write_text(f"""worker_processes 1;
daemon off;
error_log {tmp}/error.log info;
pid {tmp}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  log_format upstreams '$request_method $uri $status "$upstream_addr" "$upstream_status"';
  access_log {tmp}/access.log upstreams;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
{block}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")],
                            stderr=subprocess.PIPE)
    host, port = listen.rsplit(":", 1)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return proc
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
            time.sleep(0.05)


def worker_pids(srv):
    """The worker processes under an instance's supervisor."""
    children = pathlib.Path(f"/proc/{srv.proc.pid}/task/{srv.proc.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def busiest_worker(srv):
    """The worker holding the most sockets: the one most of nginx's
    connections landed on. Workers share one listening socket and the kernel
    may hand every connection to one of them; killing the other would kill
    no request."""
    def sockets(pid):
        count = 0
        for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
            try:
                count += os.readlink(fd).startswith("socket:")
            except FileNotFoundError:  # closed while we looked
                pass
        return count
    return max(worker_pids(srv), key=sockets)


def nginx_said(tmp):
    """What nginx logged about upstreams, and the answers that were not 200."""
    errors = [line for line in (tmp / "error.log").read_text().splitlines() if "upstream" in line]
    access = [line for line in (tmp / "access.log").read_text().splitlines() if " 200 " not in line]
    return "\n".join(errors[:12] + access[:6])


def request_count(results):
    return f"{len(results)} requests ({sum(r['method'] == 'POST' for r in results)} POSTs)"


def wait_for(srv, text, timeout=10.0):
    deadline = time.monotonic() + timeout
    while text not in srv.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    return text in srv.stderr()


# SNASIO_TEST_NETWORK=loopback chooses the fallback where namespaces work too.
NETWORK = os.environ.get("SNASIO_TEST_NETWORK") or ("netns" if namespaces_available() else "loopback")


@pytest.mark.parametrize("network", [NETWORK], indirect=True)
def test_two_instances_behind_nginx_lose_no_request_when_one_stops_and_a_worker_dies(network, tmp_path):
    if not shutil.which("nginx"):
        pytest.fail("nginx is not installed: run `just setup` (it installs nginx-light)")
    a = start_instance(network, "a", network["nginx"])
    b = start_instance(network, "b", network["nginx"])
    nginx = None
    try:
        for srv in (a, b):
            assert wait_for(srv, "worker 2: route GET /who") and wait_for(srv, "worker 1: route GET /who")
        listen = f"{network['nginx']}:{free_port(network['nginx'])}"
        nginx = start_nginx(tmp_path, [f"{a.host}:{a.port}", f"{b.host}:{b.port}"], listen)
        client_address, client_prefix = network["c"]
        load = subprocess.Popen([*client_prefix, "/usr/bin/python3", "-c", LOAD, *listen.rsplit(":", 1), "8",
                                 client_address], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # A worker of b dies (kill -9) while requests run on it; nginx sends
        # the idempotent ones to a, and b's supervisor starts another worker.
        time.sleep(1.5)
        os.kill(busiest_worker(b), signal.SIGKILL)
        assert wait_for(b, "was killed by SIGKILL: starting it again"), b.stderr()[-2000:]
        assert wait_for(b, "started (pid", 5)
        # Past nginx's fail_timeout (2 s, counted in whole seconds: up to 3),
        # a is stopped gracefully: it drains and exits 0; nginx sends
        # everything to b. (Sooner, nginx would have no live instance.)
        time.sleep(3.5)
        a.signal(signal.SIGTERM)
        assert a.wait(timeout=15) == 0
        a_log = a.stderr()
        out, err = load.communicate(timeout=60)
        assert load.returncode == 0, err
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait(timeout=10)
        a.stop()
        b.stop()
    results = json.loads(out)
    gets = [r for r in results if r["method"] == "GET"]
    posts = [r for r in results if r["method"] == "POST"]
    assert len(gets) > 200 and len(posts) > 50, (len(gets), len(posts))
    # Every request got one well-formed answer; every GET succeeded, and
    # the handler saw the real client's address through nginx.
    assert not [r for r in results if "error" in r], [r for r in results if "error" in r][:5]
    bad_gets = [r for r in gets if r["status"] != 200]
    assert not bad_gets, f"{len(bad_gets)} GETs failed:\n" + nginx_said(tmp_path)
    seen = {json.loads(r["body"])["client"] for r in gets}
    assert seen == {client_address}, seen
    # A POST that was running on the killed worker is nginx's 502 (it is
    # never resent); every other POST succeeded.
    assert all(r["status"] in (200, 502) for r in posts)
    assert sum(r["status"] == 502 for r in posts) <= 4
    # nginx did retry: a GET answered 200 after a first upstream failed.
    log = (tmp_path / "access.log").read_text().splitlines()
    retried = [line for line in log if line.startswith("GET /who 200") and ", " in line]
    assert retried, "\n".join(log[-20:])
    assert "drained" in a_log and "every worker stopped" in a_log
    print(f"{request_count(results)}; {len(retried)} GETs retried by nginx; "
          f"{sum(r['status'] == 502 for r in posts)} POSTs answered 502")
