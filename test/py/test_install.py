"""`meson install` into a staging directory, used as an installed snasio is:
the binary serves an app with the package installed beside it, Debian's
python3 imports snasio.testing from the staged site directory and its
TestClient runs the staged binary, and examples/embed builds against the
staged snasio.pc and serves."""

import json
import os
import pathlib
import subprocess
import pytest

from conftest import BUILD_DIR, ROOT, Server, recv_until_closed

WHERE_APP = '''
import sys
import snasio
from snasio import route

@route("/where")
def where(request):
    return {"package": snasio.__file__, "executable": sys.executable}
'''


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    """The staging directory, with what `meson install` put there by its prefix."""
    root = tmp_path_factory.mktemp("stage")
    subprocess.run(["meson", "install", "-C", str(BUILD_DIR), "--destdir", str(root), "--no-rebuild", "--quiet"],
                   check=True, capture_output=True, timeout=300)
    serve = next(root.rglob("bin/snasio-serve"))
    package = next(root.rglob("snasio/testing.py")).parent
    pc = next(root.rglob("pkgconfig/snasio.pc"))
    return {"root": root, "serve": serve, "site": package.parent, "pkgconfig": pc.parent}


def get(srv, path):
    s = srv.connect()
    s.sendall(b"GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" % path.encode())
    head, _, body = recv_until_closed(s).partition(b"\r\n\r\n")
    s.close()
    return int(head.split(b" ")[1]), body


def test_the_installed_binary_serves_with_the_package_installed_beside_it(stage, tmp_path):
    (tmp_path / "where.py").write_text(WHERE_APP)
    srv = Server(["--app-dir", str(tmp_path)], binary=stage["serve"])
    try:
        status, body = get(srv, "/where")
        assert status == 200
        where = json.loads(body)
        assert where["package"] == str(stage["site"] / "snasio" / "__init__.py")
        assert where["executable"] == "/usr/bin/python3"
        assert get(srv, "/health") == (200, b'{"status":"ok"}')
    finally:
        srv.stop()


def test_debian_python_imports_the_staged_package_and_its_test_client_runs_the_staged_binary(stage, tmp_path):
    (tmp_path / "where.py").write_text(WHERE_APP)
    script = (
        "import snasio, snasio.testing\n"
        "print(snasio.__file__)\n"
        f"with snasio.testing.TestClient(app_dir={str(tmp_path)!r}) as client:\n"
        "    r = client.get('/where')\n"
        "    print(r.status_code, r.json()['package'])\n")
    env = {k: v for k, v in os.environ.items() if k not in ("SNASIO_SERVE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(stage["site"])
    env["PATH"] = f"{stage['serve'].parent}:{env.get('PATH', '')}"
    p = subprocess.run(["/usr/bin/python3", "-c", script], capture_output=True, text=True, env=env, timeout=60,
                       cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    imported, served = p.stdout.splitlines()
    assert imported == str(stage["site"] / "snasio" / "__init__.py")
    assert served == f"200 {stage['site'] / 'snasio' / '__init__.py'}"


def build_options():
    out = subprocess.run(["meson", "introspect", str(BUILD_DIR), "--buildoptions"], capture_output=True,
                         text=True, check=True).stdout
    return {o["name"]: o["value"] for o in json.loads(out)}


def test_examples_embed_builds_against_the_staged_pkg_config_file_and_serves(stage, tmp_path):
    env = {**os.environ, "PKG_CONFIG_PATH": str(stage["pkgconfig"])}
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "snasio"], capture_output=True, text=True,
                           env=env, check=True).stdout.split()
    includes = {pathlib.Path(f[2:]).resolve() for f in flags if f.startswith("-I")}
    assert next(stage["root"].rglob("include/snasio")) in includes, flags
    # A library built with sanitizers or coverage needs the same at link time.
    options = build_options()
    extra = []
    if options.get("b_sanitize", "none") != "none":
        extra.append("-fsanitize=" + options["b_sanitize"])
    if options.get("b_coverage"):
        extra.append("--coverage")
    program = tmp_path / "embed"
    build = subprocess.run(["g++", "-O1", "-o", str(program), str(ROOT / "examples" / "embed" / "main.cpp"),
                            f'-DSNASIO_EXAMPLE_APP_DIR="{ROOT / "examples" / "app"}"', *flags, *extra],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    srv = Server([], binary=program)
    try:
        assert get(srv, "/native/add/40/2") == (200, b'{"sum":42}')
        status, body = get(srv, "/hello")
        assert status == 200 and json.loads(body)["message"] == "Hello from Python"
    finally:
        srv.stop()
