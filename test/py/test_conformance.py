"""Spikard's request/response fixtures, served by snasio: one test per
fixture (test/conformance/runner.py judges it). A fixture docs/conformance.md
lists as failing must fail (so the list stays true); every other one must pass
or be skipped for the reason the runner gives."""

import io
import json
import pathlib
import re
import sys

import pytest

from conftest import BUILD_DIR, ROOT

sys.path.insert(0, str(ROOT / "test" / "conformance"))
import runner  # noqa: E402

DIR = runner.DEFAULT_DIR
TYPED = ("query_params", "path_params", "headers", "cookies", "json_bodies", "url_encoded", "multipart",
         "content_types", "status_codes", "validation_errors", "http_methods", "edge_cases")
MIDDLEWARE = ("cors", "compression", "static_files", "rate_limit", "request_timeout", "body_limits", "request_id",
              "lifecycle_hooks", "di", "background", "streaming")
KNOWN = dict(re.findall(r"^\| `([^`]+\.json)` \| (.+) \|$", (ROOT / "docs" / "conformance.md").read_text(), re.M))
FIXTURES = [fid for fid, _, _ in runner.load(DIR)] if DIR.is_dir() else []


@pytest.fixture(scope="module")
def results():
    return runner.run(DIR, str(BUILD_DIR.relative_to(ROOT)) if BUILD_DIR.is_relative_to(ROOT) else str(BUILD_DIR),
                      out=io.StringIO())


def test_the_fixtures_are_there():
    assert len(FIXTURES) > 200, f"no conformance fixtures under {DIR}"


@pytest.mark.parametrize("fid", FIXTURES)
def test_fixture(results, fid):
    verdict, reason = results[fid]
    if fid in KNOWN:
        assert verdict == "FAIL", f"{fid} no longer fails: take it out of docs/conformance.md"
    elif verdict == "SKIP":
        # The runner's own SKIP, with its reason: middleware snasio does not
        # have, another language's binding, or a fixture without a handler
        # whose answer no route could give. A skip is never counted as a pass:
        # the 95 % tests below count only PASS.
        pytest.skip(reason)
    else:
        assert verdict == "PASS", reason


@pytest.mark.parametrize("categories", [TYPED, MIDDLEWARE], ids=["typed handlers", "middleware"])
def test_at_least_95_percent_of_the_fixtures_with_a_handler_pass(results, categories):
    with_handler = [fid for fid in FIXTURES if fid.split("/")[0] in categories
                    and json.loads((DIR / fid).read_text()).get("handler")]
    passed = sum(results[fid][0] == "PASS" for fid in with_handler)
    assert with_handler and passed >= 0.95 * len(with_handler), f"{passed} of {len(with_handler)}"
