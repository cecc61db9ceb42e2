"""The embedding example: a C++ program with its own native routes and the
Python routes of examples/app, on one server."""

import http.client
import json

import pytest

from conftest import BUILD_DIR, Server

EMBED = BUILD_DIR / "examples" / "embed" / "snasio-embed-example"


@pytest.fixture(scope="module")
def embed():
    srv = Server([], binary=EMBED)
    yield srv
    srv.stop()


def get(srv, path):
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


def test_native_route_of_the_embedding_program(embed):
    status, body = get(embed, "/native/add/40/-2")
    assert status == 200
    assert json.loads(body) == {"sum": 38}


def test_python_routes_of_the_example_app(embed):
    status, body = get(embed, "/hello")
    assert status == 200
    assert json.loads(body)["message"] == "Hello from Python"
    status, body = get(embed, "/users/12345678901234567890")
    assert status == 200
    assert json.loads(body)["id"] == 12345678901234567890


def test_exception_in_a_native_handler_is_a_500_and_the_server_lives_on(embed):
    # 10**20 does not fit the example's `long long`: std::stoll throws.
    status, body = get(embed, "/native/add/100000000000000000000/1")
    assert status == 500
    assert json.loads(body) == {"error": "internal server error"}
    assert "(native)" in embed.stderr()
    assert get(embed, "/native/add/1/2") == (200, b'{"sum":3}')
