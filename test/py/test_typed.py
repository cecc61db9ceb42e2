"""Typed handlers end to end: an App served with --app, parameters from
every source converted before the handler runs, refusals answered 422 as
RFC 9457 problems on the reactor, typed returns, hooks before validation,
and /openapi.json."""

import json
import subprocess
import threading
import time
import urllib.parse
from typing import Optional

import pytest

from conftest import ROOT, SERVE, fetch

APPS = ROOT / "test" / "py" / "apps" / "typed"
PROBLEM = "https://snasio.dev/problems/validation-error"


call = fetch  # one request on a fresh connection: (status, headers, parsed body)


def post_json(srv, path, value):
    return call(srv, path, "POST", json.dumps(value), {"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def typed(request):
    from conftest import Server
    srv = Server(["--app", "typed_app:app"], cwd=APPS)
    request.addfinalizer(srv.stop)
    return srv


def errors_of(body):
    return [(e["type"], e["loc"]) for e in body["errors"]]


# -- parameters --------------------------------------------------------------------

def test_a_query_int_is_converted_and_a_bad_one_is_422_before_the_handler(typed):
    before = call(typed, "/calls")[2]["handler"]
    assert call(typed, "/search?q=5")[2] == {"q": 5}
    assert call(typed, "/search")[2] == {"q": 1}
    status, headers, body = call(typed, "/search?q=five")
    assert status == 422
    assert headers["Content-Type"] == "application/problem+json"
    assert body == {"type": PROBLEM, "title": "Request Validation Failed", "status": 422,
                    "detail": "1 validation error in request",
                    "errors": [{"type": "int_parsing", "loc": ["query", "q"], "input": "five",
                                "msg": "Input should be a valid integer, unable to parse string as an integer"}]}
    assert call(typed, "/calls")[2]["handler"] == before + 2  # the 422 never reached it


def test_a_brace_placeholder_takes_its_type_from_the_annotation(typed):
    assert call(typed, "/users/7?q=hi")[2] == {"user_id": 7, "q": "hi", "types": ["int", "str"]}
    status, _, body = call(typed, "/users/seven?q=" + "x" * 21)
    assert status == 422
    assert errors_of(body) == [("int_parsing", ["path", "user_id"]), ("string_too_long", ["query", "q"])]
    assert body["detail"] == "2 validation errors in request"


def test_scalars_from_path_query_header_and_cookie_arrive_as_their_types(typed):
    query = "color=red&when=2024-01-15&at=2024-01-15T10:30:00Z&price=19.99&kind=a&flag=true&ratio=0.2&ids=1&ids=2"
    status, _, body = call(typed, "/items/c892496f-b1fd-4b91-bdb8-b46f92df1716/scalars?" + query,
                           headers={"X-Token": "tok", "Cookie": "session=abc"})
    assert status == 200
    assert body["types"] == ["UUID", "Color", "date", "datetime", "Decimal", "str", "bool", "float", "list", "str",
                             "str"]
    assert body["echo"] == ["c892496f-b1fd-4b91-bdb8-b46f92df1716", "red", "2024-01-15", "2024-01-15T10:30:00Z",
                            "19.99", "a", True, 0.2, [1, 2], "tok", "abc"]
    # Defaults where nothing was sent; an Optional cookie is None.
    body = call(typed, "/items/c892496f-b1fd-4b91-bdb8-b46f92df1716/scalars?color=blue&when=2024-01-15"
                       "&at=2024-01-15T10:30:00&price=1&kind=b")[2]
    assert body["echo"][6:] == [False, 0.5, [], "none", None]
    # A float parameter given an integer is a float, as pydantic makes it.
    body = call(typed, "/items/c892496f-b1fd-4b91-bdb8-b46f92df1716/scalars?color=blue&when=2024-01-15"
                       "&at=2024-01-15T10:30:00&price=1&kind=b&ratio=1")[2]
    assert (body["types"][7], body["echo"][7]) == ("float", 1.0)
    assert [call(typed, path)[2] for path in ("/ratio?r=2", "/ratio?r=2.5", "/ratio")] == [
        {"r": 2.0, "type": "float"}, {"r": 2.5, "type": "float"}, {"r": None, "type": "NoneType"}]
    # An optional float needs no Python call either: its converter is the plan the server follows.
    from snasio import _types
    assert _types.converter_of(Optional[float])._snasio_plan == ("float", float)


def test_every_refusal_of_a_request_is_in_one_problem(typed):
    status, _, body = call(typed, "/items/nope/scalars?color=green&when=x&at=y&price=z&kind=c&ratio=2&ids=one")
    assert status == 422
    assert body["detail"] == "8 validation errors in request"
    assert errors_of(body) == [("uuid_parsing", ["path", "item_id"]), ("enum", ["query", "color"]),
                               ("date_parsing", ["query", "when"]), ("datetime_parsing", ["query", "at"]),
                               ("decimal_parsing", ["query", "price"]), ("enum", ["query", "kind"]),
                               ("less_than_equal", ["query", "ratio"]), ("int_parsing", ["query", "ids", 0])]
    assert body["errors"][1]["ctx"] == {"expected": "'red' or 'blue'"}
    assert body["errors"][6]["ctx"] == {"le": 1}


def test_a_missing_required_parameter_is_named(typed):
    status, _, body = call(typed, "/items/c892496f-b1fd-4b91-bdb8-b46f92df1716/scalars?color=red")
    assert status == 422
    assert [loc for _, loc in errors_of(body)] == [["query", "when"], ["query", "at"], ["query", "price"],
                                                  ["query", "kind"]]
    assert {e["type"] for e in body["errors"]} == {"missing"}


# -- bodies ------------------------------------------------------------------------

USER = {"name": "Ada", "age": 36, "email": "ada@example.com", "address": {"city": "London", "zip": "N1"},
        "tags": ["x"], "joined": "2024-01-02"}


def test_a_dataclass_body_is_constructed_beside_a_dependency_and_the_request(typed):
    status, _, body = post_json(typed, "/users", USER)
    assert status == 200
    assert body == {"user": USER, "is_user": True, "city_type": "Address", "db": "the database", "method": "POST"}


CART = {"lines": [{"sku": "a", "n": 1, "x": 2}, {"sku": "b", "n": 3, "x": 0.5}], "owner": {"city": "Oslo", "zip": "0150"}}


@pytest.mark.parametrize("text", [
    json.dumps(CART),
    json.dumps({"owner": CART["owner"], "lines": [dict(reversed(line.items())) for line in CART["lines"]]}),
    json.dumps(CART).replace('"sku"', '"sk\\u0075"').replace('"x"', '"\\u0078"'),  # escaped names
])
def test_a_dataclass_body_becomes_instances_and_request_body_stays_the_json(typed, text):
    status, _, body = call(typed, "/carts", "POST", text, {"Content-Type": "application/json"})
    assert status == 200
    # The instances hold their fields in declaration order, as __init__ would have set them.
    assert body["fields"] == [["lines", "owner"], ["city", "zip"], ["sku", "n", "x"], ["sku", "n", "x"]]
    assert body["types"] == ["Line", "float", "Address"]
    # request.body is still the JSON the client sent, dicts and numbers as they were, not the handler's instances.
    assert body["body"] == CART and body["body"]["lines"][0]["x"] == 2
    assert body["body_types"] == ["dict", "dict", "dict"]


def test_a_dataclass_body_refused_names_each_nested_field(typed):
    before = call(typed, "/calls")[2]["handler"]
    status, _, body = post_json(typed, "/users", {"name": "A" * 21, "age": -1, "email": "nope",
                                                  "address": {"city": "L"}})
    assert status == 422
    assert errors_of(body) == [("string_too_short", ["body", "address", "city"]),
                               ("missing", ["body", "address", "zip"]), ("greater_than_equal", ["body", "age"]),
                               ("string_pattern_mismatch", ["body", "email"]),
                               ("string_too_long", ["body", "name"])]
    assert call(typed, "/calls")[2]["handler"] == before  # create_user never ran


def test_a_body_that_is_not_json_or_not_an_object(typed):
    status, _, body = call(typed, "/users", "POST", "{", {"Content-Type": "application/json"})
    assert status == 400
    status, _, body = post_json(typed, "/users", [1])
    assert status == 422 and body["errors"][0]["loc"] == ["body"]
    # A NUL byte ends the reactor's parser's input: a valid value before one
    # is no reason to let what follows through (to a 500 on the Python side).
    whole = json.dumps(USER)
    for sent in (whole + '\0{"x"', whole.replace("A", "A\0", 1)):
        status, _, body = call(typed, "/users", "POST", sent, {"Content-Type": "application/json"})
        assert (status, body["error"]) == (400, f"invalid JSON at offset {sent.index(chr(0))}: a NUL byte")


def test_typeddict_and_pydantic_bodies(typed):
    assert call(typed, "/points?scale=2", "POST", '{"x": 1, "y": 2.5}',
                {"Content-Type": "application/json"})[2] == {"x": 2, "y": 5.0}
    assert post_json(typed, "/products", {"name": "pen", "price": "1.5"})[2] == {
        "product": {"name": "pen", "price": 1.5}, "is_model": True}
    status, _, body = post_json(typed, "/products", {"name": "pen"})
    assert status == 422 and errors_of(body) == [("missing", ["body", "price"])]


def test_embedded_body_fields(typed):
    assert post_json(typed, "/embedded", {"a": 1})[2] == {"a": 1, "b": "default"}
    status, _, body = post_json(typed, "/embedded", {"a": "x", "b": 2})
    assert status == 422 and errors_of(body) == [("int_parsing", ["body", "a"]), ("string_type", ["body", "b"])]


def test_form_fields_and_files(typed):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert call(typed, "/login", "POST", "username=adam&remember=on", form)[2] == {"username": "adam",
                                                                                   "remember": True}
    status, _, body = call(typed, "/login", "POST", "username=ad", form)
    assert status == 422 and errors_of(body) == [("string_too_short", ["body", "username"])]

    def multipart(kind):
        return (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: " + kind +
                b"\r\n\r\nhello\r\n--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nn\r\n--b--\r\n")
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    assert call(typed, "/upload", "POST", multipart(b"text/plain"), headers)[2] == {
        "filename": "a.txt", "data": "hello", "note": "n"}
    status, _, body = call(typed, "/upload", "POST", multipart(b"image/png"), headers)
    assert status == 422 and body["errors"][0]["loc"] == ["files", "file"]
    assert "image/png" in body["errors"][0]["msg"]


def test_an_explicit_schema_is_checked_as_json_schema(typed):
    assert post_json(typed, "/explicit/3", {"iban": "x"})[2] == {"id": 3, "body": {"iban": "x"}}
    status, _, body = post_json(typed, "/explicit/0", {"other": "x"})
    assert status == 422
    assert [e["loc"] for e in body["errors"]] == [["path", "id"], ["body"]]
    assert "oneOf" in body["errors"][1]["msg"]


def test_an_unsupported_media_type_is_a_415_problem(typed):
    status, headers, body = call(typed, "/users", "POST", "x", {"Content-Type": "text/plain"})
    assert status == 415
    assert headers["Content-Type"] == "application/problem+json"
    assert body["type"].endswith("/unsupported-media-type") and body["status"] == 415


def test_a_422_is_answered_while_the_event_loop_is_held(typed):
    """The refusal takes no GIL and queues no job: it is answered while an
    async handler holds the event loop, which a valid request must wait for."""
    spinner = threading.Thread(target=call, args=(typed, "/spin?s=1.5"))
    spinner.start()
    time.sleep(0.3)
    began = time.monotonic()
    assert call(typed, "/guarded?n=x")[0] == 422
    refused = time.monotonic() - began
    assert call(typed, "/guarded?n=1")[2] == {"n": 1}
    served = time.monotonic() - began
    spinner.join()
    assert refused < 0.3, f"the 422 took {refused:.2f} s"
    assert served > 0.8, f"the valid request did not wait for the loop ({served:.2f} s): the test proves nothing"


# -- returns -----------------------------------------------------------------------

@pytest.mark.parametrize("kind, expected", [
    ("dataclass", {"city": "Oslo", "zip": "0150"}),
    ("datetime", {"utc": "2024-01-15T10:30:00Z", "naive": "2024-01-15T10:30:00", "date": "2024-01-15",
                  "time": "10:30:00"}),
    ("uuid", ["c892496f-b1fd-4b91-bdb8-b46f92df1716"]),
    ("decimal", {"price": "19.99"}),
    ("enum", {"color": "blue"}),
    ("set", {"tags": ["only"], "frozen": [1]}),
    ("model", {"name": "pen", "price": 1.5}),
])
def test_typed_returns_are_serialized(typed, kind, expected):
    status, headers, body = call(typed, "/returns/" + kind)
    assert (status, headers["Content-Type"], body) == (200, "application/json", expected)


def test_a_return_that_cannot_be_serialized_names_its_type_and_path(typed):
    status, _, body = call(typed, "/returns/nested")
    assert status == 500 and body == {"error": "internal server error"}
    deadline = time.monotonic() + 5
    while "cannot serialize" not in typed.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(x for x in typed.stderr().splitlines() if "cannot serialize" in x)
    assert "GET /returns/nested" in line and "'object'" in line and line.endswith("at $.items[1].created")


# -- hooks, openapi, --app ---------------------------------------------------------

def test_on_request_hooks_run_before_validation(start_server):
    srv = start_server("--app", "typed_app:hooked", cwd=APPS)
    status, _, body = call(srv, "/hooked?n=x", headers={"X-Stop": "1"})
    assert (status, body) == (401, {"error": "stopped by the hook"})  # the hook answered first
    status, _, body = call(srv, "/hooked?n=x")
    assert status == 422 and errors_of(body) == [("int_parsing", ["query", "n"])]
    assert call(srv, "/hooked?n=2")[2] == {"n": 2}
    assert call(srv, "/seen")[2] == {"seen": ["/hooked", "/hooked", "/hooked", "/seen"]}


def test_openapi_describes_the_routes_from_their_plans(typed):
    status, headers, doc = call(typed, "/openapi.json")
    assert status == 200 and doc["openapi"] == "3.1.0"
    user = doc["paths"]["/users/{user_id}"]["get"]
    assert user["parameters"] == [
        {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 20}}]
    assert user["responses"]["422"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    scalars = doc["paths"]["/items/{item_id}/scalars"]["get"]["parameters"]
    assert {p["name"]: p["in"] for p in scalars}["x-token"] == "header"
    assert {p["name"]: p["in"] for p in scalars}["session"] == "cookie"
    body = doc["paths"]["/users"]["post"]["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"name", "age", "email", "address"}
    assert "Problem" in doc["components"]["schemas"]


def test_the_openapi_path_moves_or_turns_off(start_server):
    moved = start_server("--app", "typed_app:app", "--openapi-path", "/spec.json", cwd=APPS)
    assert call(moved, "/spec.json")[0] == 200 and call(moved, "/openapi.json")[0] == 404
    off = start_server("--app", "typed_app:app", "--openapi-path", "", cwd=APPS)
    assert call(off, "/openapi.json")[0] == 404


@pytest.mark.parametrize("reference, message", [
    ("nosuch:app", "--app nosuch:app: no module named 'nosuch' in --app-dir or the current directory"),
    ("typed_app:nothing", "--app typed_app:nothing: module typed_app has no attribute 'nothing'"),
    ("typed_app:CALLS", "--app typed_app:CALLS: typed_app.CALLS is a dict, not a snasio.App"),
])
def test_a_wrong_app_reference_is_a_clear_startup_error(reference, message):
    p = subprocess.run([str(SERVE), "--port", "0", "--app", reference], cwd=APPS, capture_output=True, text=True,
                       timeout=30)
    assert p.returncode != 0
    assert p.stderr.strip().splitlines()[-1] == "snasio-serve: cannot plan the app: " + message


def test_app_dir_puts_the_app_module_on_the_path(start_server, tmp_path):
    srv = start_server("--app-dir", str(APPS), "--app", "typed_app:app", cwd=tmp_path)
    assert call(srv, "/search?q=" + urllib.parse.quote("7"))[2] == {"q": 7}


def test_twin_members_are_judged_as_the_handler_reads_them(typed):
    # Python's json module keeps the last of twin members: so do the checks.
    body = '{"name": "a", "age": 5, "score": 1, "tags": [], "age": "x"}'
    status, _, refused = call(typed, "/profiles", "POST", body, {"Content-Type": "application/json"})
    assert status == 422 and errors_of(refused) == [("int_parsing", ["body", "age"])]
    body = '{"name": "a", "age": "x", "score": 1, "tags": [], "age": 7}'
    assert call(typed, "/profiles", "POST", body, {"Content-Type": "application/json"})[2]["p"]["age"] == 7


def test_a_body_is_handed_on_exactly_big_integers_included(typed):
    sent = {"iban": 12345678901234567890123456789, "ratio": 0.1}
    assert post_json(typed, "/explicit/3", sent)[2] == {"id": 3, "body": sent}


def test_dataclasses_without_defaults_are_made_by_the_server_exactly_as_by_their_converter(typed):
    items = [{"id": i, "name": f"item {i}", "tags": ["a"] * i, "price": i + 0.5} for i in range(3)]
    sent = {"items": items, "total": 3}
    status, _, body = post_json(typed, "/orders", sent)
    assert (status, body["order"], body["sent"]) == (200, sent, sent)  # the request's own body is left as it came
    assert body["types"] == ["Order", "list", "Item", "Item", "Item"]
    assert body["extras"] == [["id", "name", "price", "tags"]] * 3
    # An object with members no field declares is made by the converter, which leaves them out.
    odd = {"items": [{**items[0], "colour": "red"}, items[1]], "total": 2, "note": "x"}
    status, _, body = post_json(typed, "/orders", odd)
    assert (status, body["order"], body["sent"]) == (200, {"items": items[:2], "total": 2}, odd)
    assert body["types"] == ["Order", "list", "Item", "Item"]
    assert body["extras"] == [["id", "name", "price", "tags"]] * 2
    # A float field given an integer holds a float (pydantic's lax mode); an int field keeps its int.
    whole = {"items": [{"id": 1, "name": "a", "tags": [], "price": 2}], "total": 2}
    status, _, body = post_json(typed, "/orders", whole)
    price, total = body["order"]["items"][0]["price"], body["order"]["total"]
    assert (status, type(price), price, type(total)) == (200, float, 2.0, int)


def test_frozen_dataclasses_and_post_init_are_honoured(typed):
    status, _, body = post_json(typed, "/kinds", {"frozen": {"a": 1}, "checked": {"low": 1, "high": 2}})
    assert (status, body) == (200, {"frozen": {"a": 1, "b": [0]}, "checked": {"low": 1, "high": 2},
                                    "types": ["Frozen", "Checked"]})
    assert post_json(typed, "/kinds", {"frozen": {"a": 1}, "checked": {"low": 3, "high": 2}})[:3:2] == (
        400, {"error": "low is above high"})


def test_sets_tuples_mappings_durations_times_and_optional_objects(typed):
    sent = {"tags": ["b", "a", "b"], "pair": [1, "2"], "counts": {"x": 1, "y": "2"}, "wait": "P1DT2H30M",
            "at": "10:30", "where": {"city": "Oslo", "zip": "0150"}}
    status, _, body = post_json(typed, "/collections", sent)
    assert status == 200, body
    assert body == {"types": ["set", "tuple", "dict", "timedelta", "time", "Address"], "tags": ["a", "b"],
                    "pair": [1, 2], "counts": {"x": 1, "y": 2}, "wait": "P1DT2H30M", "at": "10:30:00",
                    "where": {"city": "Oslo", "zip": "0150"}, "waits": ["PT0S", "-P1D", "P2DT0.5S"]}
    assert post_json(typed, "/collections", {**sent, "where": None})[2]["types"][-1] == "NoneType"
    status, _, body = post_json(typed, "/collections", {**sent, "counts": {"x": "many"}, "wait": "soon", "at": "25:00"})
    assert status == 422
    assert errors_of(body) == [("time_parsing", ["body", "at"]), ("int_parsing", ["body", "counts", "x"]),
                               ("time_delta_parsing", ["body", "wait"])]


def test_a_typed_brace_without_annotation_markers_as_defaults_and_every_method(typed):
    assert call(typed, "/defaults/7")[2] == {"id": "7", "q": 5, "note": None, "upload": None}
    assert call(typed, "/defaults/7?q=2&note=hi")[2] == {"id": "7", "q": 2, "note": "hi", "upload": None}
    assert errors_of(call(typed, "/defaults/x")[2]) == [("int_parsing", ["path", "id"])]
    assert [call(typed, "/things/3", method)[2] for method in ("PUT", "PATCH", "DELETE")] == [
        {"put": 3}, {"patched": 3}, {"deleted": 3}]
    assert call(typed, "/things", "POST")[2] == {"posted": True}


@pytest.mark.parametrize("source, message", [
    ("@app.get('/a/{x}')\ndef h(y: Annotated[int, Path()]): pass",
     "Path() parameter 'y' names no placeholder of the route"),
    ("@app.post('/a')\ndef h(a: Annotated[int, Body()], b: Annotated[int, Form()]): pass",
     "a body is JSON or a form, not both"),
    ("@app.get('/a', max_body_bytes=0)\ndef h(): pass", "max_body_bytes must be a positive int, not 0"),
    ("@app.post('/a', max_json_depth=1001)\ndef h(): pass", "max_json_depth must be at most 1000, not 1001"),
    ("@app.get('/a', colour='red')\ndef h(): pass", "unknown option 'colour'"),
    ("@app.get('/a', blocking=True)\nasync def h(): pass", "blocking=True is for sync handlers"),
    ("r = Router('/a/')", "must start with '/' and not end with it"),
    ("r = Router('/a')\nr.include_router(r)", "a Router cannot include itself"),
    ("@app.get('/a')\ndef h(ids: list[int]): pass", "nothing provides parameter 'ids'"),
])
def test_a_typed_route_that_cannot_be_planned_stops_start_up_saying_why(tmp_path, source, message):
    (tmp_path / "broken.py").write_text("from typing import Annotated\nfrom snasio import App, Body, Form, Path, Router\n"
                                        "app = App()\n" + source + "\n")
    p = subprocess.run([str(SERVE), "--port", "0", "--app", "broken:app"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode != 0
    assert message in p.stderr, p.stderr


def test_a_list_of_files_takes_every_file_of_the_field_with_its_headers(typed):
    parts = b"".join(
        b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"" + name + b"\"\r\n" + extra +
        b"\r\n" + data + b"\r\n" for name, extra, data in [
            (b"a.txt", b"Content-Type: text/plain\r\nX-Note: first\r\n", b"A"), (b"b.bin", b"", b"B")])
    body = parts + b"--b--\r\n"
    status, _, got = call(typed, "/many-files", "POST", body, {"Content-Type": "multipart/form-data; boundary=b"})
    assert status == 200, got
    assert got["names"] == ["a.txt", "b.bin"] and got["types"] == ["text/plain", "text/plain"]
    assert got["headers"][0]["x-note"] == "first" and got["tag"] is None
    status, _, refused = call(typed, "/many-files", "POST", b"--b--\r\n", {"Content-Type": "multipart/form-data; boundary=b"})
    assert status == 422 and errors_of(refused) == [("missing", ["files", "files"])]


@pytest.mark.parametrize("kind, said", [
    ("in-a-dataclass", "cannot serialize object of type 'object' to JSON at $[0].city"),
    ("field-gone", "cannot read field 'zip' to serialize it to JSON"),
])
def test_a_dataclass_that_cannot_be_written_is_a_500_naming_the_field(typed, kind, said):
    assert call(typed, "/returns/" + kind)[0] == 500
    deadline = time.monotonic() + 5
    while said not in typed.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert said in typed.stderr()
