"""A property of static mounts: whatever path a client makes of "..",
"%2e", "//", NUL, backslashes and symlink names, the answer is a file inside
the mount or a refusal; never a byte of what lies outside."""

import http.client

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from test_middleware import make_site, serve_site

SEGMENTS = ["..", ".", "", "%2e%2e", "%2E%2e", "%2e", ".%2e", "%2e.", "docs", "hello.txt", "escape.txt", "inside.txt",
            "secret.txt", "%2f", "%2F..", "%00", ".env", "..%2f", "%5c..", "..%5c", "link-out", "sub", "%252e%252e"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("confined"))
    inside = {p.read_bytes() for p in site.rglob("*") if p.is_file() and not p.is_symlink()
              and not p.name.startswith(".")}
    srv = serve_site(site)
    yield srv, inside
    srv.stop()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=6), st.booleans())
def test_no_generated_path_escapes_the_mount(served, segments, trailing_slash):
    srv, inside = served
    path = "/public/" + "/".join(segments) + ("/" if trailing_slash else "")
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status in (200, 308, 400, 404), (path, r.status, body[:100])
    assert b"outside the mount" not in body and b"SECRET" not in body, path
    if r.status == 200:
        assert body in inside, (path, body[:100])
