"""snasio.testing.TestClient itself: how it finds and runs the server, what
it sends, what it returns, and what it shows when a test fails."""

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, SERVE
from snasio import testing
from snasio.testing import TestClient

APPS = ROOT / "test" / "py" / "apps"
FORMS = APPS / "forms"


@pytest.fixture(scope="module")
def client():
    with TestClient(FORMS) as c:
        yield c


@pytest.mark.parametrize("verb", ["get", "post", "put", "patch", "delete", "options"])
def test_every_verb_is_sent_as_itself(client, verb):
    r = getattr(client, verb)("/echo", params={"q": ["1", "2"]}, headers={"X-Test": "yes"})
    assert r.status_code == 200
    assert r.json() == {"method": verb.upper(), "query": {"q": ["1", "2"]}, "content_type": None,
                        "body": "", "x_test": "yes"}


def test_head_has_the_headers_of_get_and_no_body(client):
    r = client.head("/echo")
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["Content-Length"]) > 0


def test_json_data_and_content_are_sent_as_the_docs_say(client):
    assert client.post("/echo", json={"a": 1}).json()["body"] == '{"a": 1}'
    assert client.post("/echo", json={"a": 1}).json()["content_type"] == "application/json"
    r = client.post("/echo", data={"a": "1 2", "b": ["x", "y"]}).json()
    assert (r["body"], r["content_type"]) == ("a=1+2&b=x&b=y", "application/x-www-form-urlencoded")
    r = client.put("/echo", content=b"\x00raw\xff").json()
    assert (r["body"], r["content_type"]) == ("\x00raw\xff", None)
    r = client.patch("/echo?x=1", params={"y": "2"}, content="text").json()
    assert r["query"] == {"x": ["1"], "y": ["2"]} and r["body"] == "text"


def test_a_response_has_status_headers_text_content_json_and_cookies(client):
    r = client.get("/set-cookies")
    assert r.status_code == 200
    assert r.headers["CONTENT-TYPE"] == r.headers["content-type"] == "application/json"
    assert r.content == b'{"ok":true}' and r.text == '{"ok":true}' and r.json() == {"ok": True}
    assert r.cookies["session"] == "abc123"


def test_the_server_url_and_log_are_at_hand(client):
    client.get("/print/marker-5521")
    assert client.url.startswith("http://127.0.0.1:")
    assert "route POST /form" in client.log() and "marker-5521" in client.log()


def test_a_failing_block_writes_the_server_log_to_stderr(capsys):
    with pytest.raises(AssertionError):
        with TestClient(FORMS) as c:
            c.get("/print/marker-7734")
            assert c.get("/echo").status_code == 999
    err = capsys.readouterr().err
    assert err.startswith("snasio-serve's log:")
    assert "snasio listening on http://127.0.0.1:" in err and "marker-7734" in err


def test_a_passing_block_writes_nothing(capsys):
    with TestClient(FORMS) as c:
        assert c.get("/echo").status_code == 200
    assert capsys.readouterr().err == ""


def test_pytest_shows_the_server_log_of_a_failing_test(tmp_path):
    test_file = tmp_path / "test_user.py"
    test_file.write_text(textwrap.dedent(f"""
        from snasio.testing import TestClient

        def test_fails():
            with TestClient({str(FORMS)!r}) as client:
                assert client.get("/echo").status_code == 201
    """))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py"), "SNASIO_SERVE": str(SERVE)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert run.returncode == 1
    assert "assert 200 == 201" in run.stdout
    assert "Captured stderr call" in run.stdout
    assert "snasio-serve's log:" in run.stdout and "/echo -> forms_app.echo" in run.stdout


def test_a_server_that_does_not_exit_0_fails_the_block():
    with pytest.raises(AssertionError, match="snasio-serve exited with 3, not 0"):
        with TestClient(APPS / "exits") as c:
            assert c.get("/ok").json() == {"ok": True}


def test_a_server_that_does_not_start_is_an_error_with_its_log(tmp_path):
    (tmp_path / "broken.py").write_text("import no_such_module_here\n")
    with pytest.raises(RuntimeError, match="(?s)did not start.*no_such_module_here"):
        with TestClient(tmp_path):
            pass


def test_the_server_is_found_through_snasio_serve_then_path_then_the_build(monkeypatch, tmp_path):
    monkeypatch.setenv("SNASIO_SERVE", "/somewhere/snasio-serve")
    assert testing.find_server() == "/somewhere/snasio-serve"
    monkeypatch.delenv("SNASIO_SERVE")
    on_path = tmp_path / "snasio-serve"
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert testing.find_server() == str(on_path)
    monkeypatch.setenv("PATH", "/nonexistent")
    built = ROOT / "build" / "src" / "snasio-serve"
    if built.exists():
        assert testing.find_server() == str(built)
    else:
        with pytest.raises(FileNotFoundError, match="set SNASIO_SERVE"):
            testing.find_server()
