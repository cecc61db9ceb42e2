"""Forms, files, non-text bodies, cookies both ways and redirects, through
snasio.testing.TestClient against the real server."""

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from snasio import Response, redirect
from snasio.testing import TestClient

APP = ROOT / "test" / "py" / "apps" / "forms"


@pytest.fixture(scope="module")
def client():
    with TestClient(APP, "--max-body-bytes", "65536") as c:
        yield c


def files_of(response):
    return {name: (f["filename"], f["content_type"], bytes.fromhex(f["data"]))
            for name, f in response.json()["files"].items()}


# -- forms and files ---------------------------------------------------------------------

def test_an_urlencoded_form_has_one_value_and_every_value_per_name(client):
    r = client.post("/form", data={"a": "1", "b": ["x y", "é&="], "empty": ""})
    assert r.status_code == 200
    assert r.json()["form"] == {"a": "1", "b": "é&=", "empty": ""}
    assert r.json()["form_multi"] == {"a": ["1"], "b": ["x y", "é&="], "empty": [""]}
    assert r.json()["files"] == {}


def test_a_multipart_form_has_fields_and_files(client):
    r = client.post("/form", data={"title": "Hello\r\nworld", "tag": ["a", "b"]},
                    files={"upload": ("photo.png", b"\x89PNG\r\n\x00", "image/png"), "raw": b"\xff\xfe"})
    assert r.status_code == 200
    body = r.json()
    assert body["form"] == {"title": "Hello\r\nworld", "tag": "b"}
    assert body["form_multi"]["tag"] == ["a", "b"]
    assert files_of(r) == {"upload": ("photo.png", "image/png", b"\x89PNG\r\n\x00"),
                           "raw": ("raw", "application/octet-stream", b"\xff\xfe")}


def test_a_file_part_without_a_content_type_is_text_plain(client):
    body = (b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nhi\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"b.txt\"\r\n\r\nho\r\n--b--\r\n")
    r = client.post("/form", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert files_of(r) == {"f": ("b.txt", "text/plain", b"ho")}
    assert [f["filename"] for f in r.json()["files_multi"]["f"]] == ["a.txt", "b.txt"]


names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=20)
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=50)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(names, values, max_size=4),
       files=st.dictionaries(names, st.tuples(names.filter(bool), st.binary(max_size=300)), max_size=3))
def test_generated_multipart_forms_round_trip(client, fields, files):
    files = {name: f for name, f in files.items() if name not in fields}
    r = client.post("/form", data=fields, files=files)
    assert r.status_code == 200, r.text
    assert r.json()["form"] == fields
    assert files_of(r) == {name: (filename, "application/octet-stream", data) for name, (filename, data) in files.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.lists(st.tuples(values, values), max_size=6))
def test_generated_urlencoded_forms_round_trip(client, fields):
    r = client.post("/form", content=urllib.parse.urlencode(fields),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    multi = {}
    for name, value in fields:
        multi.setdefault(name, []).append(value)
    assert r.json()["form_multi"] == multi
    assert r.json()["form"] == {name: vs[-1] for name, vs in multi.items()}


@pytest.mark.parametrize("content_type, body, reason", [
    ("multipart/form-data", b"--b\r\n\r\n", "multipart/form-data needs a boundary parameter of 1 to 70 characters"),
    ("multipart/form-data; boundary=b", b"no boundary line", "the multipart body has no boundary line"),
    ("multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\ncut short",
     "the multipart body ends before its closing boundary"),
    ("multipart/form-data; boundary=b", b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--",
     "a multipart part has no 'Content-Disposition: form-data' with a name"),
    ("multipart/form-data; boundary=b", b"--b\r\nno colon\r\n\r\nx\r\n--b--", "a multipart part has a malformed header line"),
])
def test_a_malformed_multipart_body_is_a_400_before_the_handler_runs(client, content_type, body, reason):
    before = client.get("/calls").json()["form"]
    r = client.post("/form", content=body, headers={"Content-Type": content_type})
    assert r.status_code == 400
    assert r.json() == {"error": reason}
    assert client.get("/calls").json()["form"] == before


def test_the_body_limit_applies_to_forms_and_files(client):
    r = client.post("/form", data={"a": "b"}, files={"big": b"x" * 70000})
    assert r.status_code == 413
    assert client.post("/form", data={"a": "x" * 70000}).status_code == 413
    assert client.post("/form", data={"a": "fits"}).json()["form"] == {"a": "fits"}


# -- bodies ------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["application/octet-stream", "image/png", "", "multipart/form-data; boundary=b"])
def test_a_body_that_is_not_text_is_bytes(client, content_type):
    data = b"--b--\r\n\xff\x00\xfe" if content_type.startswith("multipart") else b"\xff\x00\xfe"
    headers = {"Content-Type": content_type} if content_type else {}
    r = client.post("/body", content=data, headers=headers)
    assert r.json() == {"type": "bytes", "body": data.hex()}


@pytest.mark.parametrize("content_type, expected", [
    ("text/plain", "h\u00e9"), ("text/csv; charset=latin-1", "h\u00c3\u00a9"),
    ("application/xml", "h\u00e9"), ("application/x-www-form-urlencoded", "h\u00e9"),
    ("application/octet-stream; charset=utf-8", "h\u00e9"),
])
def test_a_text_body_is_str(client, content_type, expected):
    r = client.post("/body", content="hé".encode(), headers={"Content-Type": content_type})
    assert r.json() == {"type": "str", "body": expected}


def test_a_json_body_is_parsed(client):
    assert client.post("/body", json={"a": [1, 2]}).json() == {"type": "dict", "body": {"a": [1, 2]}}


# -- cookies -----------------------------------------------------------------------------

def test_request_cookies(client):
    assert client.get("/cookies", cookies={"a": "1", "b": "x=y"}).json() == {"a": "1", "b": "x=y"}
    r = client.get("/cookies", headers={"Cookie": 'a=1; a=2;  q="quoted" ;novalue; =x; e='})
    assert r.json() == {"a": "1", "q": "quoted", "e": ""}
    assert client.get("/cookies").json() == {}


def test_set_cookie_sends_one_header_per_cookie_and_a_hook_that_replaces_headers_keeps_them(client):
    r = client.get("/set-cookies")
    assert r.status_code == 200
    assert r.headers["x-hooked"] == "yes" and "x-from-handler" not in r.headers
    assert r.headers.get_all("set-cookie") == [
        "session=abc123; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax",
        "theme=dark; Domain=example.com; Path=/app; Secure; SameSite=None",
        "old=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ]
    assert r.cookies == {"session": "abc123", "theme": "dark", "old": ""}


def test_a_cookie_value_with_a_space_a_quote_or_a_letter_beyond_ascii_is_quoted_and_read_back(client):
    r = client.get("/quoted-cookies")
    assert r.status_code == 200
    sent = [c.split(";")[0] for c in r.headers.getlist("set-cookie")]
    assert sent == ['user="Ada Lovelace"', 'city="\\305\\201\\303\\263d\\305\\272"',
                    'odd="a \\"b\\"\\073 c\\\\d"', "plain=x"]
    assert all(c.isascii() and c.isprintable() for c in sent)
    values = {"user": "Ada Lovelace", "city": "Łódź", "odd": 'a "b"; c\\d', "plain": "x"}
    assert r.cookies == values  # as a client reads them
    assert client.get("/cookies", cookies=values).json() == values  # and sent back, as the handler reads them


def test_bad_cookie_attributes_are_value_errors():
    response = Response()
    with pytest.raises(ValueError, match="samesite"):
        response.set_cookie("n", "v", samesite="sometimes")
    with pytest.raises(ValueError, match="Path"):
        response.set_cookie("n", "v", path="/a;b")


def test_a_cookie_name_that_is_not_a_token_is_a_500_naming_it(client):
    assert client.get("/bad-cookie").status_code == 500
    assert "cookie name 'bad name' is not a token" in client.log()


# -- redirects ---------------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect(client, status):
    r = client.get(f"/go?status={status}&to=/elsewhere%3Fx%3D1")
    assert r.status_code == status
    assert r.headers["location"] == "/elsewhere?x=1"
    assert r.content == b""


def test_redirect_refuses_a_status_that_is_not_a_redirect(client):
    with pytest.raises(ValueError, match="redirect status"):
        redirect("/x", status=200)
    assert client.get("/bad-redirect").status_code == 500


def test_a_redirect_to_a_url_with_a_newline_is_refused_not_sent(client):
    r = client.get("/go?to=/x%0D%0ASet-Cookie:%20evil=1")
    assert r.status_code == 500
    assert "evil" not in r.headers.get("set-cookie", "")
