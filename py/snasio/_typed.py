"""Typed parameters: how a handler's annotations (and markers) become the
plan the server validates requests with on the reactor, and how the
checked values reach the handler converted.

A route's plan is JSON (src/validation/route_validator.hpp reads it): a
schema per parameter, the body's, the files'. The checked values come back
in plan order as request._values, each already converted (an int is an
int, a dataclass is constructed); `values` holds, per value, the default
for when the request left it out and the function that converts it.
"""

import inspect
import json
import typing
import uuid

from snasio import _types
from snasio.errors import PlanError
from snasio.params import REQUIRED, Body, File, Form, Param, Path, Query
from snasio.request import UploadedFile

_OPENAPI_IN = {"query": "query", "path": "path", "header": "header", "cookie": "cookie"}
_BRACE_TYPES = {"int": int, "float": float, "uuid": uuid.UUID, "str": str, "string": str}


class Value:
    """Where a parameter's value is in request._values: the value at
    `index`, or (for a body member) its member `member`."""

    __slots__ = ("index", "member")

    def __init__(self, index, member=None):
        self.index, self.member = index, member


class TypedParams:
    """Collects a handler's typed parameters while it is planned, then lays
    out the values and writes the plan."""

    def __init__(self, where: str, path_converters: dict):
        self.where = where
        self.path_converters = path_converters  # placeholder -> whether the pattern converts it (<int:id>)
        self.params = []      # [name, entry for the plan, default, converter]
        self.body = []        # [name, key, type, marker, default]
        self.files = []       # [name, key, many, marker, default]
        self.refs = {}        # name -> Value, filled by finish()
        self.dialect = "pydantic"
        self.openapi = {"parameters": [], "body": None}

    # -- the typed API: annotations and markers --------------------------------------

    def claim(self, name: str, parameter: inspect.Parameter, hint) -> bool:
        """Takes `name` as a typed parameter if its annotation or marker says
        where it comes from; False leaves it to the other rules."""
        base, marker = hint, None
        if typing.get_origin(hint) is typing.Annotated:
            base, *metadata = typing.get_args(hint)
            marker = next((m for m in metadata if isinstance(m, Param)), None)
        if isinstance(parameter.default, Param):
            marker = parameter.default
        default = parameter.default if parameter.default is not inspect.Parameter.empty else REQUIRED
        if isinstance(default, Param):
            default = REQUIRED
        if marker is not None and marker.default is not REQUIRED:
            default = marker.default
        plain, optional = _types.strip_optional(base)
        if optional and default is REQUIRED:
            default = None
        item = _types.sequence_item(plain)
        source = marker.source if marker is not None else None
        brace_type = self.path_converters.get(name) if isinstance(self.path_converters.get(name), str) else ""
        if brace_type and (hint is None or hint is typing.Any):
            # {id:int} without an annotation: checked as that type, handed over as text.
            base = plain = _BRACE_TYPES.get(brace_type, str)
            marker = marker or Path()
            source = "path"
            self.params.append([name, {"in": "path", "key": name, "required": True, "many": False,
                                       "schema": _types.schema_of(base, marker.constraints())}, REQUIRED,
                                None if base is str else str])
            self.openapi["parameters"].append({"name": name, "in": "path", "required": True,
                                               "schema": _types.schema_of(base)})
            return True
        if source is None:
            if name in self.path_converters:
                if self.path_converters[name] is True or plain is str or not _types.is_scalar(plain):
                    if not brace_type:
                        return False  # the router's own value serves it
                source = "path"
            elif plain is UploadedFile or item is UploadedFile:
                source = "file"
            elif _types.is_model(plain) or (item is not None and _types.is_model(item)):
                source = "body"
            elif _types.is_scalar(plain):
                source = "query"
            else:
                return False
        if source == "path" and name not in self.path_converters:
            raise PlanError(f"{self.where}: Path() parameter '{name}' names no placeholder of the route")
        if source in ("body", "form"):
            self.body.append([name, (marker.alias if marker else None) or name, base, marker, default, source])
        elif source == "file":
            self.files.append([name, (marker.alias if marker else None) or name, item is UploadedFile, marker, default])
        else:
            key = (marker.alias if marker else None) or name
            if source == "header" and marker.alias is None and marker.convert_underscores:
                key = name.replace("_", "-")
            many = item is not None
            if many and source == "query" and marker is None:
                return False  # a list from the query must say so: Query()
            schema = _types.schema_of(base, marker.constraints() if marker else None)
            entry = {"in": source, "key": key, "required": default is REQUIRED, "many": many, "schema": schema}
            self.params.append([name, entry, default, _types.converter_of(base)])
            self.openapi["parameters"].append({"name": key, "in": _OPENAPI_IN[source], "required": default is REQUIRED,
                                               "schema": schema})
        return True

    # -- the explicit form: a JSON Schema per source -----------------------------------

    def from_schema(self, schema: dict) -> None:
        """Takes the route's explicit schema: {"query"|"path"|"headers"|
        "cookies": object schemas, "body" (JSON) or "form": a schema,
        "files": {field: {"required", "content_type": [...],
        "validate_magic_numbers"}}}; handler parameters named like their
        properties (a header's name lowered, "-" as "_"), or "body", get them."""
        self.dialect = "json_schema"
        for source, key_in in (("path", "path"), ("query", "query"), ("headers", "header"), ("cookies", "cookie")):
            part = schema.get(source) or {}
            required = set(part.get("required", []))
            for key, sub in (part.get("properties") or {}).items():
                sub = dict(sub)
                flagged = sub.pop("required", None)
                many = sub.get("type") == "array"
                entry = {"in": key_in, "key": key, "required": key in required or flagged is True, "many": many,
                         "schema": sub}
                name = _identifier(key)
                self.params.append([name, entry, None if not entry["required"] else REQUIRED, None])
                self.openapi["parameters"].append({"name": key, "in": _OPENAPI_IN[key_in],
                                                   "required": entry["required"], "schema": sub})
        for media in ("body", "form"):
            if media in schema:
                self.body.append(["body", "body", schema[media], None, REQUIRED, "raw-" + media])
        for key, spec in (schema.get("files") or {}).items():
            marker = File(content_types=spec.get("content_type") or [], check_magic=bool(spec.get("validate_magic_numbers")))
            self.files.append([_identifier(key), key, False, marker, REQUIRED if spec.get("required", True) else None])

    def check_placeholders(self) -> None:
        """Checks each {name:type} placeholder no parameter took: its type
        holds whether or not the handler reads it."""
        taken = {entry["key"] for _, entry, _, _ in self.params if entry["in"] == "path"}
        for name, kind in self.path_converters.items():
            if isinstance(kind, str) and kind and name not in taken:
                schema = _types.schema_of(_BRACE_TYPES.get(kind, str))
                self.params.append([f"<{name}>", {"in": "path", "key": name, "required": True, "many": False,
                                                  "schema": schema}, REQUIRED, None])
                self.openapi["parameters"].append({"name": name, "in": "path", "required": True, "schema": schema})

    def refs_wanted(self) -> set:
        """The parameters an explicit schema declares (the typed API claims its own)."""
        if self.dialect != "json_schema":
            return set()
        return {p[0] for p in self.params} | {b[0] for b in self.body} | {f[0] for f in self.files}

    # -- the values, and the plan ------------------------------------------------------

    def finish(self, after_hooks: bool = False, limits: dict | None = None):
        """(the plan's JSON text, [(default, converter)] per value), and
        self.refs: where each typed parameter finds its value.
        `after_hooks`: on_request hooks see a request before its checks."""
        values = []
        for name, _, default, convert in self.params:
            self.refs[name] = Value(len(values))
            values.append((default, convert))
        plan = {"dialect": self.dialect, "after_hooks": after_hooks, "limits": limits or {},
                "params": [entry for _, entry, _, _ in self.params]}
        if self.body:
            plan["body"], convert, required = self._body_plan(len(values))
            values.append((REQUIRED if required else _defaults(self.body), convert))
        if self.files:
            plan["files"] = []
            for name, key, many, marker, default in self.files:
                self.refs[name] = Value(len(values))
                values.append((default, None if not many else None))
                plan["files"].append({"key": key, "required": default is REQUIRED, "many": many,
                                      "content_types": marker.content_types if marker else [],
                                      "magic": bool(marker.check_magic) if marker else False})
            if self.openapi["body"] is None:
                self.openapi["body"] = ("multipart/form-data", {"type": "object", "properties": {
                    key: {"type": "string", "format": "binary"} for _, key, _, _, _ in self.files}})
        return json.dumps(plan, separators=(",", ":")), values

    def _body_plan(self, index):
        medias = {source for *_, source in self.body}
        if len(medias) > 1:
            raise PlanError(f"{self.where}: a body is JSON or a form, not both "
                            f"({', '.join(name for name, *_ in self.body)})")
        media = medias.pop()
        if media.startswith("raw-"):  # the explicit form: the schema as given
            self.refs["body"] = Value(index)
            media = media[4:]
            self.openapi["body"] = (_media(media), self.body[0][2])
            return {"media": "json" if media == "body" else "form", "required": True, "schema": self.body[0][2]}, None, True
        whole = (media == "body" and len(self.body) == 1
                 and not (self.body[0][3] is not None and getattr(self.body[0][3], "embed", False)))
        if whole:
            name, _, tp, marker, default, _ = self.body[0]
            schema = _types.schema_of(tp, marker.constraints() if marker else None)
            if marker is not None and getattr(marker, "forbid_extra", False):
                schema["additionalProperties"] = False
            self.refs[name] = Value(index)
            self.openapi["body"] = ("application/json", schema)
            return {"media": "json", "required": default is REQUIRED, "schema": schema}, _types.converter_of(tp), \
                default is REQUIRED
        properties, required, members = {}, [], {}
        for name, key, tp, marker, default, _ in self.body:
            properties[key] = _types.schema_of(tp, marker.constraints() if marker else None)
            if default is REQUIRED:
                required.append(key)
            members[key] = (default, _types.converter_of(tp))
            self.refs[name] = Value(index, key)
        schema = {"type": "object", "properties": properties, **({"required": required} if required else {})}
        self.openapi["body"] = (_media("form" if media == "form" else "body"), schema)

        def convert(value):
            return {key: (c(value[key]) if c else value[key]) if key in value else d
                    for key, (d, c) in members.items()}
        return {"media": "json" if media == "body" else "form", "required": bool(required), "schema": schema}, \
            convert, bool(required)


def _defaults(body):
    """The body value of an optional embedded body: every member's default."""
    return {key: default for _, key, _, _, default, _ in body}


def _media(media: str) -> str:
    return "application/json" if media == "body" else "application/x-www-form-urlencoded"


def _identifier(key: str) -> str:
    """A header's or a property's name as a parameter name: lower case, "-" as "_"."""
    return key.lower().replace("-", "_")
