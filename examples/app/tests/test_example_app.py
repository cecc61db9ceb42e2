"""Tests of the example app, through the real server: copy this folder next
to your own app and change APP_DIR.

    PYTHONPATH=/path/to/snasio/py /usr/bin/python3 -m pytest examples/app/tests
"""

import pathlib

import pytest

from snasio.testing import TestClient

APP_DIR = pathlib.Path(__file__).resolve().parents[1]
TOKEN = {"X-Token": "let-me-write"}


@pytest.fixture(scope="module")
def client():
    # One server for the whole module; flags go after the app directory.
    with TestClient(APP_DIR, "--pool-workers", "1") as c:
        yield c


def test_hello(client):
    response = client.get("/hello")
    assert response.status_code == 200
    assert response.json()["message"] == "Hello from Python"


def test_a_user_by_id(client):
    assert client.get("/users/7").json()["id"] == 7
    assert client.get("/users/seven").status_code == 404


def test_notes_need_the_token_to_write(client):
    assert client.post("/notes", content="buy milk", headers={"Content-Type": "text/plain"}).status_code == 401
    created = client.post("/notes", content="buy milk", headers={"Content-Type": "text/plain", **TOKEN})
    assert created.status_code == 201
    note_id = created.json()["id"]
    assert client.get(f"/notes/{note_id}").json() == {"id": note_id, "text": "buy milk"}
    assert client.delete(f"/notes/{note_id}", headers=TOKEN).status_code == 204
    assert client.get(f"/notes/{note_id}").status_code == 404


def test_sign_in_sets_a_cookie_and_redirects(client):
    response = client.post("/sign-in", data={"name": "Ada"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/me"
    assert response.cookies == {"name": "Ada"}
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert client.get("/me", cookies=response.cookies).json() == {"name": "Ada"}
    assert client.get("/me").status_code == 401


def test_sign_in_refuses_a_name_a_cookie_cannot_carry(client):
    assert client.post("/sign-in", data={"name": "Ada; admin=1"}).status_code == 400


def test_sign_out_deletes_the_cookie(client):
    response = client.post("/sign-out", cookies={"name": "Ada"})
    assert response.status_code == 303
    assert response.cookies == {"name": ""}
    assert "Max-Age=0" in response.headers["Set-Cookie"]


def test_upload(client):
    response = client.post("/upload", data={"note": "holiday"},
                           files={"photo": ("beach.png", b"\x89PNG\r\n\x1a\n" + bytes(100), "image/png")})
    assert response.json() == {"files": {"photo": {"filename": "beach.png", "content_type": "image/png", "bytes": 108}},
                               "fields": {"note": "holiday"}}


def test_squares_in_the_process_pool(client):
    assert client.post("/squares", json={"numbers": [1, 2, 3]}).json() == {"squares": [1, 4, 9]}


def test_a_countdown_streams_line_by_line(client):
    response = client.get("/countdown/3")
    assert response.status_code == 200
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.text == "3\n2\n1\nliftoff\n"


def test_the_clock_is_a_stream_of_server_sent_events(client):
    response = client.get("/clock?n=2&every=0.05")
    assert response.headers["Content-Type"] == "text/event-stream"
    events = [block for block in response.text.split("\n\n") if block]
    assert len(events) == 2 and events[0].startswith("event: tick\nid: 1\ndata: {\"time\": ")


def test_the_download_is_this_apps_file(client):
    response = client.get("/download/streams.py", headers={"Range": "bytes=0-2"})
    assert response.status_code == 206 and response.content == b'"""'
    assert client.head("/download/streams.py").headers["Content-Disposition"].startswith("attachment;")


def test_a_malformed_range_or_date_gets_the_whole_download(client):
    whole = client.get("/download/streams.py").content
    for headers in ({"Range": "bytes=\u00b2-5"}, {"If-Modified-Since": "Sun, 06 Nov 99999999999999999999 08:49:37 GMT"}):
        response = client.get("/download/streams.py", headers=headers)
        assert response.status_code == 200 and response.content == whole


def test_books_are_typed_and_checked_before_the_handler(client):
    created = client.post("/books", json={"title": "Dune", "year": 1965, "genre": "sf"})
    assert created.status_code == 200
    book = created.json()
    assert (book["title"], book["year"], book["genre"], book["tags"]) == ("Dune", 1965, "sf", [])
    assert book["added"].endswith("Z")  # a datetime, written as ISO 8601 in UTC
    assert client.get(f"/books/{book['id']}").json() == book
    assert client.get("/books?q=DUNE&genre=sf").json() == [book]

    refused = client.post("/books", json={"title": "", "year": 1200, "genre": "poetry"})
    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert [e["loc"] for e in refused.json()["errors"]] == [["body", "genre"], ["body", "title"], ["body", "year"]]
    assert client.get("/books/abc").json()["errors"][0]["type"] == "int_parsing"
    assert client.get("/books?limit=0").json()["errors"][0]["loc"] == ["query", "limit"]
    assert "/books/{book_id}" in client.get("/openapi.json").json()["paths"]
