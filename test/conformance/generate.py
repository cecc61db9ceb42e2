"""Turns request/response fixtures into a snasio app: one route per fixture,
under its own prefix (/fixtures/<n>), written with the typed API
(annotations and markers), or with the explicit schema form where the
fixture declares its parameters as JSON Schema (an explicit "required", no
Python annotation) or its body needs what annotations cannot say (oneOf,
not, const, $ref, ...). The handler echoes the values it was given when the
expected body is made of them, and otherwise answers the expected body, as
the fixtures' own harness does.
"""

import json
import keyword
import re

import middleware

SOURCES = {"query": "Query", "path": "Path", "headers": "Header", "cookies": "Cookie"}
SCALAR = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
FORMAT_TYPES = {"uuid": "uuid.UUID", "date": "datetime.date", "date-time": "datetime.datetime"}
CONSTRAINTS = {"minLength": "min_length", "maxLength": "max_length", "pattern": "pattern", "minimum": "ge",
               "maximum": "le", "exclusiveMinimum": "gt", "exclusiveMaximum": "lt", "multipleOf": "multiple_of",
               "minItems": "min_items", "maxItems": "max_items", "format": "format", "separator": "separator"}
# What a body schema written with annotations can say; anything else needs the explicit form.
TYPED_KEYWORDS = {"type", "properties", "required", "items", "additionalProperties", "format", "enum",
                  "description", "title", "$schema", *CONSTRAINTS}
REFUSED = {400, 413, 415, 422, 431}
# A fixture's route limits, as the route's own options.
LIMITS = {"max_body_size": "max_body_bytes", "max_nesting_depth": "max_json_depth", "max_header_size": "max_header_bytes"}  # statuses the server decides before any handler


def identifier(key: str) -> str:
    name = re.sub(r"\W", "_", key.lower()).strip("_") or "value"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = "p_" + name
    return name


def typed_body_ok(schema, top=True) -> bool:
    """Whether annotations (dataclasses, markers) can say what `schema` says."""
    if not isinstance(schema, dict) or set(schema) - TYPED_KEYWORDS:
        return False
    kind = schema.get("type")
    if isinstance(kind, list) and not (len(kind) == 2 and "null" in kind):
        return False
    extra = schema.get("additionalProperties", False)
    if extra not in (True, False):
        return False
    if kind == "object" or "properties" in schema:
        return all(typed_body_ok(p, False) for p in schema.get("properties", {}).values())
    if kind == "array":
        return typed_body_ok(schema.get("items") or {}, False)
    return top or kind is not None or not schema


class Writer:
    """The source of the generated module."""

    def __init__(self):
        self.lines = ["import asyncio, dataclasses, datetime, json, os, uuid",
                      "from typing import Annotated, Any, Literal, Optional",
                      "from snasio import (App, BackgroundTasks, Body, Cookie, Field, File, Form, Header, Path, Query,",
                      "                    Response, UploadedFile)",
                      "", "app = App()", "_state = {}", "",
                      "def _files(directory, files):",
                      "    for name, content in files:",
                      "        os.makedirs(os.path.dirname(os.path.join(directory, name)), exist_ok=True)",
                      "        with open(os.path.join(directory, name), 'w') as f:",
                      "            f.write(content)", "",
                      "def _plain(v):",
                      "    if isinstance(v, UploadedFile):",
                      "        info = {'filename': v.filename, 'size': len(v.data), 'content': v.data.decode('utf-8', 'replace'),"
                      " 'content_type': v.content_type}",
                      "        custom = [list(h) for h in v.headers]",
                      "        return {**info, 'headers': custom} if any(n not in ('content-disposition', 'content-type') for n, _ in v.headers) else info",
                      "    if isinstance(v, list):",
                      "        return [_plain(x) for x in v]",
                      "    return v", ""]
        self.classes = 0

    def dataclass(self, schema: dict, form: bool = False) -> str:
        """A dataclass for an object schema (nested ones first); its name."""
        self.classes += 1
        name = f"Model{self.classes}"
        required = set(schema.get("required", []))
        fields = []
        for key, sub in schema.get("properties", {}).items():
            annotation = self.annotation(sub, "Field", required=key in required)
            fields.append((key in required, f"    {identifier(key)}: {annotation}" + ("" if key in required else " = None")))
        self.lines += ["@dataclasses.dataclass", f"class {name}:"]
        self.lines += [line for req, line in fields if req] + [line for req, line in fields if not req] or ["    pass"]
        self.lines.append("")
        return name

    def annotation(self, spec: dict, marker: str, required: bool = True, alias: str | None = None,
                   default=None) -> str:
        """The annotation of one value: its type, and the marker with its constraints."""
        kind = spec.get("type")
        nullable = isinstance(kind, list) and "null" in kind
        if nullable:
            kind = next(k for k in kind if k != "null")
        if "enum" in spec:
            base = "Literal[" + ", ".join(repr(v) for v in spec["enum"]) + "]"
        elif kind == "array":
            base = f"list[{self.annotation(spec.get('items') or {}, 'Field')}]"
        elif kind == "object" or "properties" in spec:
            base = self.dataclass(spec) if "properties" in spec else "dict"
        elif kind == "null":
            base = "None"
        elif spec.get("format") in FORMAT_TYPES and kind == "string":
            base = FORMAT_TYPES[spec["format"]]
        elif spec.get("format") == "binary":
            base = "UploadedFile"
        else:
            base = SCALAR.get(kind, "Any")
        args = [f"{CONSTRAINTS[k]}={v!r}" for k, v in spec.items()
                if k in CONSTRAINTS and not (k == "format" and (v in FORMAT_TYPES or v == "binary"))]
        if alias is not None:
            args.insert(0, f"alias={alias!r}")
        if not required:
            args.insert(0, repr(default))
        if nullable or not required:
            base = f"Optional[{base}]"
        return f"Annotated[{base}, {marker}({', '.join(args)})]" if args or marker != "Field" else base


def generate(fixtures, files_dir: str = "", first: int = 0) -> tuple[str, dict]:
    """(the module's source, {fixture id: its route prefix}) for `fixtures`:
    [(id, fixture)] to serve, numbered from `first`. Fixtures that share an
    app share its middleware: the first one's configures the App."""
    w = Writer()
    prefixes = {}
    if fixtures and middleware.app_key(fixtures[0][1]):
        w.lines += middleware.app_lines(fixtures[0][1], f"/fixtures/{first}", files_dir) + [""]
    for n, (fid, fx) in enumerate(fixtures, first):
        prefix = f"/fixtures/{n}"
        prefixes[fid] = prefix
        handler = fx.get("handler")
        w.lines += route_source(w, n, prefix, fx, handler) if handler else literal_route(n, prefix, fx)
    return "\n".join(w.lines) + "\n", prefixes


def answer_source(fx, params: list, body_name: str | None, literal: bool = False) -> list:
    """The handler's body: an echo of its values when the expected body is
    made of them, else the expected answer itself; for a status the server
    decides before any handler (a 422), a mark that the handler was reached."""
    expected = fx["expected_response"]
    status = expected["status_code"]
    if (status in REFUSED or status in middleware.decided(fx)) and not literal:
        return ["    return {'reached': 'the handler'}"]
    body = expected.get("body")
    names = {key: name for key, name in params}
    echo = None
    request_body = fx["request"].get("body")
    if body_name and body is not None and body == request_body:
        echo = body_name
    elif isinstance(body, dict) and body and set(body) <= set(names) and len(body) == len(names):
        echo = "{" + ", ".join(f"{k!r}: _plain({names[k]})" for k in body) + "}"
    elif isinstance(body, list) and len(names) == 1 and body:
        echo = f"_plain({next(iter(names.values()))})"
    # The headers a handler sets; not those the server or its middleware
    # must (CORS, the request id, the length).
    headers = {k: v for k, v in (expected.get("headers") or {}).items()
               if v != "<<absent>>" and not v.startswith("<<") and ".*" not in v
               and k.lower() not in ("content-length", "vary", "content-encoding")
               and not k.lower().startswith("access-control-")}
    content_type = headers.pop("content-type", headers.pop("Content-Type", None))
    value = echo if echo is not None else repr(body)
    lines = [f"    response = Response({value}, status={status}, headers={headers!r}" +
             (f", content_type={content_type!r})" if content_type else ")")]
    for name, c in (expected.get("cookies") or {}).items():
        args = [repr(name), repr(c.get("value", ""))]
        args += [f"{k}={c[k]!r}" for k in ("max_age", "path", "domain", "secure", "httponly", "samesite") if k in c]
        lines.append(f"    response.set_cookie({', '.join(args)})")
    return lines + ["    return response", ""]


def route_source(w: Writer, n: int, prefix: str, fx: dict, h: dict) -> list:
    params = h.get("parameters") or {}
    body_schema = h.get("body_schema")
    specs = [spec for source, group in params.items() if source != "files" for spec in group.values()]
    schema_style = any("required" in s and "annotation" not in s for s in specs)
    media = "form" if (h.get("content_type") == "application/x-www-form-urlencoded"
                       or "form_data" in fx["request"] or "files" in fx["request"] or "data" in fx["request"]
                       or "files" in params) else "body"
    explicit = schema_style or (body_schema is not None and not typed_body_ok(body_schema))
    decorator = f"@app.route({prefix + h['route']!r}, methods=[{h['method']!r}]" + middleware.route_options(fx)
    for fixture_key, option in LIMITS.items():
        if fixture_key in h:
            decorator += f", {option}={h[fixture_key]!r}"
    signature, echo_names, body_name = [], [], None
    if explicit:
        schema = {}
        for source, group in params.items():
            if source == "files":
                schema["files"] = group
                continue
            schema[{"headers": "headers", "cookies": "cookies"}.get(source, source)] = {
                "type": "object", "properties": group}
            for key in group:
                signature.append(f"{identifier(key)}=None")
                echo_names.append((key, identifier(key)))
        if body_schema is not None:
            schema["form" if media == "form" else "body"] = body_schema
            signature.append("body=None")
            body_name = "body"
        decorator += f", schema={schema!r})"
    else:
        decorator += ")"
        for source, group in params.items():
            for key, spec in group.items():
                name = identifier(key)
                required = spec.get("required", not spec.get("optional", False) and "default" not in spec)
                alias = key if name != key else None
                if source == "files":
                    marker_args = [f"content_types={spec.get('content_type', [])!r}",
                                   f"check_magic={bool(spec.get('validate_magic_numbers'))}"]
                    if alias:
                        marker_args.insert(0, f"alias={alias!r}")
                    signature.append(f"{name}: Annotated[UploadedFile, File({', '.join(marker_args)})]" +
                                     ("" if required else " = None"))
                else:
                    ann = spec.get("annotation")
                    typed = dict(spec)
                    if ann and ann.startswith("list["):
                        typed = {**spec, "type": "array", "items": spec.get("items") or
                                 {"type": {"int": "integer", "str": "string"}.get(ann[5:-1], "string")}}
                    signature.append(f"{name}: " + w.annotation(typed, SOURCES[source], required, alias,
                                                                 spec.get("default")))
                echo_names.append((key, name))
        if body_schema is not None:
            body_name = "body"
            if media == "form":
                required = set(body_schema.get("required", []))
                for key, spec in (body_schema.get("properties") or {}).items():
                    name = identifier(key)
                    if any(name == n for _, n in echo_names):
                        continue  # declared already (a files parameter)
                    marker = "File" if spec.get("format") == "binary" or (spec.get("items") or {}).get("format") == "binary" else "Form"
                    alias = key if name != key else None
                    signature.append(f"{name}: {w.annotation(spec, marker, key in required, alias)}" +
                                     ("" if key in required else " = None"))
                    echo_names.append((key, name))
                body_name = None
            else:
                extra = ", forbid_extra=True" if body_schema.get("additionalProperties") is False else ""
                if body_schema.get("type") == "object" or "properties" in body_schema:
                    cls = w.dataclass(body_schema)
                    signature.append(f"body: Annotated[{cls}, Body({extra.lstrip(', ')})]")
                else:
                    signature.append(f"body: {w.annotation(body_schema, 'Body')}")
    before, after = [], []
    if "background" in fx:  # the answer first; the state changes after it, in a background task
        bg = fx["background"]
        key = f"{n}:{bg['state_key']}"
        signature.append("tasks: BackgroundTasks")
        before.append(f"    tasks.add_task(_state.setdefault({key!r}, []).append, body.{identifier(bg['value_field'])})")
        after = [f"@app.route({prefix + bg['state_path']!r}, methods=['GET'])", f"def fixture_{n}_state():",
                 f"    return {{{bg['state_key']!r}: _state.get({key!r}, [])}}", ""]
    role = middleware.handler_role(fx)
    if role == "raise":
        before.append("    raise RuntimeError('the handler fails, as the fixture says')")
    elif role == "unreachable":
        before.append("    raise AssertionError('a hook should have answered before the handler')")
    sleep = middleware.sleep_seconds(fx)
    if sleep:
        before.append(f"    await asyncio.sleep({sleep!r})")
    required_first = sorted(signature, key=lambda s: "=" in s.split(":")[-1] or s.endswith("=None"))
    body = answer_source(fx, echo_names, body_name)
    hooks = (h.get("middleware") or {}).get("lifecycle_hooks") or {}
    order = [x["name"] for x in sorted(hooks.get("on_request") or [], key=lambda x: x.get("order", 0))]
    if order and repr(order) in body[0]:  # the answer lists the hooks that ran: the ones that did
        body[0] = body[0].replace(repr(order), "list(_order)")
    define = "async def" if sleep else "def"
    return [decorator, f"{define} fixture_{n}({', '.join(required_first)}):"] + before + body + after


def literal_route(n: int, prefix: str, fx: dict) -> list:
    """A fixture without a handler, where its request and expected answer
    say the route: one that gives that answer."""
    r = fx["request"]
    path = r["path"].split("?")[0]
    lines = [f"@app.route({prefix + path!r}, methods=[{r['method']!r}])", f"def fixture_{n}():"]
    return lines + answer_source(fx, [], None, literal=True)
