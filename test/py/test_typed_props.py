"""Properties of validation on the reactor: every value a plan accepts
reaches the handler equal to what the client sent (converted to its type),
and every value it refuses gets a 422 that names its location. Bodies are
sent valid, out of bounds, of a wrong type or missing, field by field."""

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, Server
from test_typed import call, post_json

APPS = ROOT / "test" / "py" / "apps" / "typed"
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def typed(request):
    srv = Server(["--app", "typed_app:app"], cwd=APPS)
    request.addfinalizer(srv.stop)
    return srv


def valid_or_not(valid, invalid):
    """(text, is_valid) from one of two strategies."""
    return st.one_of(valid.map(lambda v: (v, True)), invalid.map(lambda v: (v, False)))


# /props: n: int, 0 <= n <= 1000; s: str, at most 8 of [a-z]; f: float > -1.5 (optional)
# (Hypothesis draws bounded integers evenly: the bounds are added by hand.)
N = valid_or_not((st.sampled_from([0, 1000]) | st.integers(0, 1000)).map(str),
                 st.one_of(st.sampled_from([-1, 1001]), st.integers(max_value=-1), st.integers(min_value=1001)).map(str)
                 | st.text("xyz!. ", min_size=1))
S = valid_or_not(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
                 st.text("abcdefghijklmnopqrstuvwxyz", min_size=9, max_size=30)
                 | st.text("ab9Z-é", min_size=1, max_size=8).filter(lambda t: not t.isalpha() or not t.islower()))
F = st.one_of(st.none().map(lambda v: (v, True)),
              valid_or_not(st.floats(min_value=-1.5, exclude_min=True, allow_infinity=False).map(repr),
                           st.floats(max_value=-1.5, allow_infinity=False).map(repr) | st.just("one")))


@EXAMPLES
@given(n=N, s=S, f=F)
def test_query_values_accepted_arrive_converted_and_refused_ones_are_named(typed, n, s, f):
    sent = {"n": n[0], "s": s[0]} | ({} if f[0] is None else {"f": f[0]})
    status, _, body = call(typed, "/props?" + urllib.parse.urlencode(sent))
    wrong = [["query", name] for name, (_, ok) in (("n", n), ("s", s), ("f", f)) if not ok]
    if not wrong:
        assert status == 200, body
        assert body == {"n": int(n[0]), "s": s[0], "f": 0.0 if f[0] is None else float(f[0])}
    else:
        assert status == 422, body
        assert [e["loc"] for e in body["errors"]] == wrong
        assert body["detail"] == f"{len(wrong)} validation error{'s' if len(wrong) > 1 else ''} in request"


# /profiles: a Profile dataclass. Each field is sent valid, out of its
# constraints, of a plainly wrong JSON type, or not at all; the errors
# expected are the fields that are wrong or missing (nickname may be missing).
WRONG_TYPE = st.one_of(st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                            max_size=2))


def field(valid, out_of_bounds, wrong=WRONG_TYPE):
    return st.one_of(valid.map(lambda v: (v, [])), out_of_bounds.map(lambda v: (v, [[]])),
                     wrong.map(lambda v: (v, [[]])))


def tags():
    """A list whose items are strings (fine) or integers (each one named)."""
    items = st.lists(st.one_of(st.text(max_size=4), st.integers()), max_size=4)
    return st.one_of(items.map(lambda xs: (xs, [[i] for i, x in enumerate(xs) if isinstance(x, int)])),
                     st.one_of(st.integers(), st.text(max_size=3)).map(lambda v: (v, [[]])))


FIELDS = {
    "name": field(st.text(min_size=1, max_size=20), st.just("") | st.text(min_size=21, max_size=30)),
    "age": field(st.sampled_from([0, 150]) | st.integers(0, 150),
                 st.sampled_from([-1, 151]) | st.integers(max_value=-1) | st.integers(151, 2**62)),
    "score": field(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-2**53, 2**53), st.nothing()),
    "tags": tags(),
    "nickname": field(st.none() | st.text(max_size=10), st.nothing()),
}
PROFILE = st.fixed_dictionaries({}, optional=FIELDS)


@EXAMPLES
@given(fields=PROFILE)
def test_bodies_accepted_arrive_equal_and_refused_ones_name_each_field(typed, fields):
    sent = {name: value for name, (value, _) in fields.items()}
    wrong = sorted([["body", name, *at] for name, (_, errors) in fields.items() for at in errors] +
                   [["body", name] for name in FIELDS if name not in sent and name != "nickname"], key=repr)
    status, _, body = post_json(typed, "/profiles", sent)
    if not wrong:
        assert status == 200, (sent, body)
        assert body == {"p": {"nickname": None} | sent}
    else:
        assert status == 422, (sent, body)
        assert sorted((e["loc"] for e in body["errors"]), key=repr) == wrong
