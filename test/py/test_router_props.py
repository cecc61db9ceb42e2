"""Property tests: the C++ router (through _snasio_routing) against werkzeug 2.2.

Rule sets are generated from a small vocabulary so that rules share prefixes,
collide and compete; paths are mostly derived from the generated rules and then
mutated, so most of them hit a rule, a sibling, a redirect or a wrong method.

werkzeug is set up as Flask sets it up: Map(strict_slashes=True,
merge_slashes=False), every rule gets OPTIONS (Flask's automatic OPTIONS), and an
OPTIONS request answered by a rule that did not register OPTIONS itself becomes
("options", allowed_methods(path)).

Intentional differences, kept out of the generated data rather than out of the
assertions (docs of each in src/routing/router.hpp):
  * '>' outside a placeholder: werkzeug takes it as static text, snasio refuses it.
  * negative converter arguments (werkzeug's argument regex mis-parses "-5").
  * a path starting with "//": werkzeug strips leading slashes, snasio does not.
  * '\\n' in a path: werkzeug's path converter ('.') does not match it, snasio's does.
  * non-ASCII digits: werkzeug's int/float ('\\d') accept them, snasio only 0-9.
  * integers past 4300 digits: Python refuses to convert them, snasio does not.
"""

import math
import os
import pathlib
import sys
import urllib.parse
import uuid as uuid_module

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.urls import url_decode

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _import_module():
    """Imports _snasio_routing from $SNASIO_BUILD_DIR/test/routing, failing loudly."""
    build = os.environ.get("SNASIO_BUILD_DIR")
    if not build:
        raise RuntimeError("set SNASIO_BUILD_DIR to the meson build directory (it holds test/routing/_snasio_routing)")
    candidates = [pathlib.Path(build).resolve(), (ROOT / build).resolve()]
    for directory in (c / "test" / "routing" for c in candidates):
        if any(directory.glob("_snasio_routing*.so")):
            sys.path.insert(0, str(directory))
            import _snasio_routing

            return _snasio_routing
    raise RuntimeError(f"_snasio_routing not built under {build}/test/routing: run ninja -C {build}")


snasio = _import_module()

# --- vocabulary --------------------------------------------------------------

STATIC_TEXTS = ["a", "b", "ab", "api", "v", "x", "xx", "1", "12", "1.5", "x-y", "é", "€", "a b", "%41", "_", ""]
CHARS = "ab1209.-_é€ %+\t\x00A:Z"  # no '/', '\n' or non-ASCII digit (see the module docstring)
METHODS = ["GET", "POST", "PUT", "OPTIONS"]
REQUEST_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]

# (placeholder template, kind of value it wants)
CONVERTERS = [
    ("<{}>", "text"),
    ("<string:{}>", "text"),
    ("<string(length=2):{}>", "text"),
    ("<string(minlength=2):{}>", "text"),
    ("<string(maxlength=2):{}>", "text"),
    ("<string(minlength=1, maxlength=3):{}>", "text"),
    ("<int:{}>", "int"),
    ("<int(signed=True):{}>", "int"),
    ("<int(fixed_digits=2):{}>", "int"),
    ("<int(min=3):{}>", "int"),
    ("<int(max=20):{}>", "int"),
    ("<int(min=2, max=40, signed=True):{}>", "int"),
    ("<float:{}>", "float"),
    ("<float(signed=True):{}>", "float"),
    ("<float(max=2.5):{}>", "float"),
    ("<float(min=1):{}>", "float"),
    ("<uuid:{}>", "uuid"),
    ("<path:{}>", "path"),
]

# --- rules -------------------------------------------------------------------

# Static text inside a segment; nested choices ("x", "xx") let siblings of
# different static lengths and converter counts match the same segment.
PREFIXES = st.sampled_from(["v", "vv", "v-"])
SUFFIXES = st.sampled_from(["x", "xx", "-", ".json"])
SEPARATORS = st.sampled_from(["-", "x", "x-"])


SHAPES = st.sampled_from(["static", "static", "conv", "conv", "prefix", "suffix", "pair"])
# Half the time one of the common three, so that sibling rules collide more often.
TEMPLATES = st.one_of(st.sampled_from(["<{}>", "<int:{}>", "<path:{}>"]),
                      st.sampled_from([template for template, _ in CONVERTERS]))


@st.composite
def segments(draw):
    """One '/'-free segment: [("static", text) | ("conv", template)], names come later."""
    shape = draw(SHAPES)
    if shape == "static":
        return [("static", draw(st.sampled_from(STATIC_TEXTS)))]
    if shape == "conv":
        return [("conv", draw(TEMPLATES))]
    if shape == "prefix":
        return [("static", draw(PREFIXES)), ("conv", draw(TEMPLATES))]
    if shape == "suffix":
        return [("conv", draw(TEMPLATES)), ("static", draw(SUFFIXES))]
    return [("conv", draw(TEMPLATES)), ("static", draw(SEPARATORS)), ("conv", draw(TEMPLATES))]


def pattern_of(segs, trailing):
    """The pattern text, naming placeholders p0, p1, ... in order."""
    count = 0
    texts = []
    for seg in segs:
        text = ""
        for kind, token in seg:
            if kind == "conv":
                token = token.format(f"p{count}")
                count += 1
            text += token
        texts.append(text)
    return "/" + "/".join(texts) + ("/" if trailing else "")


def spec_of(segs, trailing, methods):
    """(pattern, methods, segments, trailing slash)."""
    return pattern_of(segs, trailing), methods, segs, trailing


METHOD_LISTS = st.lists(st.sampled_from(METHODS), min_size=1, max_size=3, unique=True)


@st.composite
def rule_specs(draw):
    segs = [draw(segments()) for _ in range(draw(st.integers(0, 3)))]
    return spec_of(segs, bool(segs) and draw(st.booleans()), draw(METHOD_LISTS))


@st.composite
def rule_sets(draw):
    specs = []
    for _ in range(draw(st.integers(1, 7))):
        how = draw(st.integers(0, 5)) if specs else 0
        if how == 1:
            # The same pattern again with other methods: 405s and method fall-through.
            _, _, segs, trailing = draw(st.sampled_from(specs))
            specs.append(spec_of(segs, trailing, draw(METHOD_LISTS)))
        elif how in (2, 3):
            # A sibling: the same prefix, one segment drawn afresh, so that the
            # two compete for the same segments (what specificity is about).
            _, methods, segs, trailing = draw(st.sampled_from(specs))
            if segs:
                segs = list(segs)
                segs[draw(st.integers(0, len(segs) - 1))] = draw(segments())
            specs.append(spec_of(segs, trailing, methods))
        else:
            specs.append(draw(rule_specs()))
    return specs


# --- paths -------------------------------------------------------------------


# Named functions, not lambdas: hypothesis reads a lambda's source to describe it.
def _uuid_text(number, upper, length):
    text = str(uuid_module.UUID(int=number))
    return (text.upper() if upper else text)[:length]


def _int_text(sign, zeros, number):
    return sign + "0" * zeros + str(number)


def _float_text(sign, whole, fraction, shape):
    return sign + shape.format(whole, fraction)


SIGN = st.sampled_from(["", "", "-"])
# Values by the kind of placeholder they are meant for; built once (cheaper draws).
VALUES = {
    "static": st.sampled_from(STATIC_TEXTS),
    # Mostly from a few separators, so that mixed segments can be cut several ways.
    "text": st.one_of(st.text("vx-.1", min_size=0, max_size=5), st.text("vx-.1", min_size=1, max_size=5),
                      st.text(CHARS, min_size=0, max_size=4)),
    # Leading zeros, signs and, now and then, integers far past 64 bits.
    "int": st.builds(_int_text, SIGN, st.integers(0, 2), st.one_of(st.integers(0, 60), st.integers(0, 10**40))),
    "float": st.builds(_float_text, SIGN, st.integers(0, 10**12), st.integers(0, 10**12),
                       st.sampled_from(["{}.{}", "{}.{}", "{}", "1e3", ".5", "2.5", "0.0", "{}.0"])),
    "uuid": st.builds(_uuid_text, st.integers(0, 2**128 - 1), st.booleans(), st.sampled_from([36, 36, 35])),
    "path": st.lists(st.text(CHARS, min_size=0, max_size=3), min_size=1, max_size=3).map("/".join),
}
ANY_VALUE = st.one_of(list(VALUES.values()))
KIND_OF = dict(CONVERTERS)


@st.composite
def values(draw, kind):
    """Text for a placeholder of `kind`; mostly one of that kind, sometimes any."""
    return draw(ANY_VALUE if draw(st.integers(0, 6)) == 0 else VALUES[kind])


@st.composite
def path_for(draw, spec):
    """A path built from a rule: its static text and a value per placeholder."""
    _, _, segs, trailing = spec
    texts = []
    for seg in segs:
        text = ""
        for kind, token in seg:
            text += token if kind == "static" else draw(values(KIND_OF[token]))
        texts.append(text)
    return "/" + "/".join(texts) + ("/" if trailing else "")


MUTATIONS = st.sampled_from(["same"] * 5 + ["slash", "replace", "append", "drop", "double"])


@st.composite
def mutated(draw, path):
    """The path, or a near miss: slash toggled, a segment changed, added or dropped."""
    how = draw(MUTATIONS)
    segs = path[1:].split("/")
    if how == "slash":
        path = path[:-1] if path.endswith("/") and len(path) > 1 else path + "/"
    elif how == "replace":
        segs[draw(st.integers(0, len(segs) - 1))] = draw(ANY_VALUE)
        path = "/" + "/".join(segs)
    elif how == "append":
        path = path + ("" if path.endswith("/") else "/") + draw(ANY_VALUE)
    elif how == "drop" and len(segs) > 1:
        path = "/" + "/".join(segs[:-1])
    elif how == "double":
        cut = draw(st.integers(1, len(path)))
        path = path[:cut] + "/" + path[cut:]
    # werkzeug strips leading slashes (see the docstring): keep exactly one.
    return "/" + path.lstrip("/")


@st.composite
def requests(draw, specs):
    """(method, path as str or as bytes with ill-formed UTF-8, werkzeug's view of the path)."""
    if draw(st.integers(0, 7)) == 0:
        path = "/" + "/".join(draw(st.lists(ANY_VALUE, min_size=0, max_size=3))).lstrip("/")
    else:
        path = draw(mutated(draw(path_for(draw(st.sampled_from(specs))))))
    method = draw(st.sampled_from(REQUEST_METHODS))
    if draw(st.integers(0, 9)) == 0:
        raw = path.encode()
        cut = draw(st.integers(1, len(raw)))
        bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]))
        raw = raw[:cut] + bad + raw[cut:]
        return method, raw, raw.decode("utf-8", "replace")
    return method, path, path


# --- the comparison ------------------------------------------------------------


def werkzeug_outcome(adapter, registered, method, path):
    """What Flask on werkzeug answers, in _snasio_routing's shape."""
    try:
        endpoint, found = adapter.match(path, method=method)
    except RequestRedirect as redirect:
        # werkzeug's URL drops leading slashes; the rest is the path plus '/'.
        target = urllib.parse.unquote(urllib.parse.urlsplit(redirect.new_url).path)
        assert target.lstrip("/") == (path + "/").lstrip("/")
        return ("redirect",)
    except MethodNotAllowed as e:
        return ("method_not_allowed", ", ".join(sorted(e.valid_methods)))
    except NotFound:
        return ("not_found",)
    if method == "OPTIONS" and "OPTIONS" not in registered[endpoint]:
        return ("options", ", ".join(sorted(adapter.allowed_methods(path))))
    return ("found", endpoint, found)


def same_value(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


def check_same(expected, actual, context):
    assert expected[:2] == actual[:2], context
    if expected[0] == "found":
        assert expected[2].keys() == actual[2].keys(), context
        for name, value in expected[2].items():
            assert same_value(value, actual[2][name]), (context, name, value, actual[2][name])
    else:
        assert expected == actual, context


def build(specs):
    """Both routers from the same specs; snasio's refusals must be werkzeug's dead duplicates."""
    router = snasio.Router()
    accepted, refused, registered = [], [], {}
    for index, (pattern, methods, _, _) in enumerate(specs):
        rule = Rule(pattern, endpoint=index, methods=methods + ["OPTIONS"])
        try:
            router.add(methods, pattern, index)
        except ValueError as error:
            assert "repeats" in str(error), (pattern, str(error))
            refused.append((rule, methods))
            continue
        accepted.append((rule, methods))
        registered[index] = methods
    url_map = Map([rule for rule, _ in accepted], strict_slashes=True, merge_slashes=False)

    def duplicates(a, b):
        return a[0]._parts == b[0]._parts and set(a[1]) & set(b[1])

    for rule, methods in refused:
        Map([rule], strict_slashes=True, merge_slashes=False)  # binds it: computes _parts
        assert any(duplicates((rule, methods), earlier) for earlier in accepted), rule.rule
    for i, later in enumerate(accepted):
        assert not any(duplicates(later, earlier) for earlier in accepted[:i]), later[0].rule
    return router, url_map.bind("localhost"), registered


@st.composite
def scenarios(draw):
    """A rule set and requests aimed at it."""
    specs = draw(rule_sets())
    return specs, draw(st.lists(requests(specs), min_size=1, max_size=6))


@settings(max_examples=2000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_router_agrees_with_werkzeug(scenario):
    specs, requests_to_make = scenario
    router, adapter, registered = build(specs)
    for method, path, werkzeug_path in requests_to_make:
        expected = werkzeug_outcome(adapter, registered, method, werkzeug_path)
        actual = router.match(method, path)
        event(expected[0])  # shown by --hypothesis-show-statistics: how often each outcome is hit
        check_same(expected, actual, (specs, method, path))


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet="%2fFaZ/+é0=&", max_size=12))
def test_percent_decoding_matches_unquote(raw):
    decoded = snasio.percent_decode_path(raw)
    escapes_ok = all(raw[i + 1 : i + 3] and all(c in "0123456789abcdefABCDEF" for c in raw[i + 1 : i + 3])
                     and len(raw[i + 1 : i + 3]) == 2 for i, c in enumerate(raw) if c == "%")
    if escapes_ok:
        assert decoded == urllib.parse.unquote_to_bytes(raw)
    else:
        assert decoded is None


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet="a=&+%2fFzé ", max_size=14))
def test_query_parsing_matches_werkzeug(raw):
    ours = {}
    for key, value in snasio.parse_query(raw):
        ours.setdefault(key.decode("utf-8", "replace"), []).append(value.decode("utf-8", "replace"))
    theirs = url_decode(raw)
    assert ours == {key: theirs.getlist(key) for key in theirs}


def test_module_is_the_built_one():
    # Guards against importing a stale module from somewhere else on sys.path.
    assert pathlib.Path(snasio.__file__).parent.name == "routing"
    with pytest.raises(ValueError, match="/<nope:x>"):
        snasio.Router().add(["GET"], "/<nope:x>", 0)
