"""snasio's Python objects used directly, as a handler's own unit tests use
them: a Request built in Python, Headers, MutableHeaders, Response and
HTTPError. (Through the server they are tested end to end elsewhere.)"""

import datetime

import pytest

from conftest import ROOT  # noqa: F401  (puts snasio on sys.path)
from snasio import Headers, HTTPError, MutableHeaders, Request, Response, UploadedFile, redirect


def test_a_request_built_in_python_decodes_what_it_is_given():
    r = Request("POST", "/p", {"id": 1}, "a=1&a=2&b=x+y", [("Content-Type", "text/plain; charset=latin-1"),
                                                           ("Cookie", "s=1"), ("X-Many", "1"), ("x-many", "2")],
                "é".encode("latin-1"), client=("10.0.0.1", 5), scheme="https", request_id="r-1")
    assert (r.method, r.path, r.path_params, r.client, r.scheme, r.request_id) == (
        "POST", "/p", {"id": 1}, ("10.0.0.1", 5), "https", "r-1")
    assert r.query_params == {"a": "2", "b": "x y"} and r.query_params_multi == {"a": ["1", "2"], "b": ["x y"]}
    assert r.query_string == "a=1&a=2&b=x+y"
    assert r.body == "é" and r.cookies == {"s": "1"}
    assert r.headers.get_all("X-MANY") == ["1", "2"] and r.headers["x-many"] == "1"
    assert r.form == {} and r.files == {} and r.files_multi == {}
    assert repr(r) == "<Request POST /p>"


def test_a_request_body_by_media_type():
    def body(content_type, raw):
        return Request("POST", "/", headers=[("Content-Type", content_type)] if content_type else [], raw_body=raw).body
    assert body("", b"\xff") == b"\xff"
    assert body("image/png", b"\x89P") == b"\x89P"
    assert body("text/plain; charset=no-such-charset", b"ok") == "ok"
    assert body("text/plain; charset=base64", b"ok") == "ok"
    assert body("application/problem+json", b"{}") == "{}"
    assert body("text/plain", b"") is None
    assert Request("GET", "/", body={"given": True}).body == {"given": True}


def test_an_urlencoded_form_outside_the_server():
    r = Request("POST", "/", headers=[("Content-Type", "application/x-www-form-urlencoded")], raw_body=b"a=1&b=%C3%A9&a=3")
    assert r.form == {"a": "3", "b": "é"} and r.form_multi == {"a": ["1", "3"], "b": ["é"]}
    assert r.form is r.form  # read once


def test_headers_is_a_read_only_case_insensitive_multi_dict():
    h = Headers([("A", "1"), ("b", "2"), ("a", "3")])
    assert h["a"] == "1" and h.get("B") == "2" and h.get("c", "none") == "none"
    assert "A" in h and "c" not in h and 3 not in h
    assert h.getlist("a") == h.get_all("A") == ["1", "3"] and h.getlist("c") == []
    assert list(h) == h.keys() == ["A", "b", "a"] and h.values() == ["1", "2", "3"] and len(h) == 3
    assert h.items() == [("A", "1"), ("b", "2"), ("a", "3")]  # every pair, as the response's headers give them
    assert h == Headers([("a", "1"), ("B", "2"), ("A", "3")]) and h != Headers([("a", "1")])
    assert Headers({"X": "1"}).items() == [("X", "1")]
    assert repr(h) == "Headers([('A', '1'), ('b', '2'), ('a', '3')])"
    with pytest.raises(KeyError):
        h["missing"]


def test_mutable_headers_keep_order_and_case():
    h = MutableHeaders({"X-One": "1"})
    h.add("Set-Thing", "a")
    h.add("set-thing", "b")
    assert isinstance(h, Headers) and h.items() == [("X-One", "1"), ("Set-Thing", "a"), ("set-thing", "b")]
    assert h.get_all("SET-THING") == h.getlist("set-thing") == ["a", "b"] and h["set-thing"] == "a"
    assert h["x-one"] == "1" and h.get("nope") is None
    h["Set-Thing"] = "c"
    assert h.items() == [("X-One", "1"), ("Set-Thing", "c")]
    del h["x-one"]
    assert "X-One" not in h and "set-thing" in h and 5 not in h
    assert list(h) == ["Set-Thing"] and len(h) == 1
    with pytest.raises(KeyError):
        del h["x-one"]
    with pytest.raises(KeyError):
        h["x-one"]
    assert repr(h) == "MutableHeaders([('Set-Thing', 'c')])"
    assert MutableHeaders([("A", "1")]).items() == [("A", "1")]


def test_response_headers_are_mutable_whatever_they_were_given_as():
    r = Response({"a": 1}, status=201, headers=[("X", "1")], content_type="application/problem+json")
    assert r.headers["x"] == "1"
    r.headers = {"Y": "2"}
    assert r.headers.items() == [("Y", "2")]
    assert repr(r) == "Response(status=201, content_type='application/problem+json')"


def test_cookie_attributes():
    r = Response()
    r.set_cookie("a", "1", max_age=datetime.timedelta(minutes=2), path=None, samesite="strict")
    r.set_cookie("b", "2", domain="example.org", path="/x", secure=True, httponly=True)
    r.delete_cookie("c", path="/y", domain="example.org")
    assert r._cookies == ["a=1; Max-Age=120; SameSite=Strict",
                          "b=2; Domain=example.org; Path=/x; Secure; HttpOnly",
                          "c=; Max-Age=0; Domain=example.org; Path=/y; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]
    r._cookies = None
    for value in ["a b", 'q"', "x,y", "é", "a\\b"]:  # quoted, as http.cookies quotes them
        r.set_cookie("n", value)
    assert [c.split(";")[0] for c in r._cookies] == ['n="a b"', 'n="q\\""', 'n="x\\054y"', 'n="\\303\\251"',
                                                    'n="a\\\\b"']
    with pytest.raises(ValueError):
        r.set_cookie("n", "v", domain="bad\x01domain")


def test_redirect_and_http_error():
    r = redirect("/there", 308)
    assert (r.status, r.body, r.headers["Location"]) == (308, None, "/there")
    e = HTTPError(404)
    assert (e.status, e.detail, e.headers, str(e)) == (404, "Not Found", None, "404: Not Found")
    assert HTTPError(599).detail == "error"  # a status with no reason phrase
    assert str(HTTPError(409, "taken", {"X": "1"})) == "409: taken"
    f = UploadedFile("a.txt", "text/plain", b"x")
    assert f.filename == "a.txt" and f.data == b"x"
