"""Python types as a typed handler uses them: the JSON Schema the server
checks a value against (schema_of), the function that turns the checked
JSON value into the annotated type (converter_of; None when the JSON value
already is it), and, for answers, the JSON form of what a handler returns
(lower: the server calls it for any object that is not plain JSON).
"""

import dataclasses
import datetime
import decimal
import enum
import re
import types
import typing
import uuid

_NONE = type(None)
_FORMATS = {uuid.UUID: "uuid", datetime.datetime: "date-time", datetime.date: "date", datetime.time: "time",
            datetime.timedelta: "duration"}
SCALARS = (str, int, float, bool, decimal.Decimal, enum.Enum, *_FORMATS)


def strip_optional(tp):
    """(the type without None, whether None was allowed)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not _NONE]
        if len(args) < len(typing.get_args(tp)):
            return (args[0] if len(args) == 1 else typing.Union[tuple(args)]), True
    return tp, False


def is_scalar(tp) -> bool:
    tp, _ = strip_optional(tp)
    return typing.get_origin(tp) is typing.Literal or (isinstance(tp, type) and issubclass(tp, SCALARS))


def sequence_item(tp):
    """The item type of list[T], set[T], frozenset[T], tuple[T, ...]; None for anything else."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, set, frozenset, typing.get_origin(typing.Sequence)) or tp in (list, set, frozenset):
        return args[0] if args else typing.Any
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


def is_model(tp) -> bool:
    """A class that is a JSON object: a dataclass, a TypedDict, a pydantic model, a msgspec Struct."""
    return isinstance(tp, type) and (dataclasses.is_dataclass(tp) or typing.is_typeddict(tp) or _pydantic(tp)
                                     or _msgspec(tp))


def _pydantic(tp) -> bool:
    return any(c.__module__.startswith("pydantic") and c.__name__ == "BaseModel" for c in tp.__mro__)


def _msgspec(tp) -> bool:
    return any(c.__module__.startswith("msgspec") and c.__name__ == "Struct" for c in tp.__mro__)


def field_types(tp) -> dict:
    """{field: (type, has a default)} of a dataclass or TypedDict."""
    hints = typing.get_type_hints(tp, include_extras=True)
    if typing.is_typeddict(tp):
        return {name: (hints[name], name not in tp.__required_keys__) for name in hints}
    return {f.name: (hints.get(f.name, typing.Any), f.default is not dataclasses.MISSING
                     or f.default_factory is not dataclasses.MISSING)
            for f in dataclasses.fields(tp) if f.init}


def schema_of(tp, constraints: dict | None = None) -> dict:
    """The JSON Schema of values of `tp`, with `constraints` (the names of a
    marker's: gt, min_length, ...) applied."""
    tp, optional = strip_optional(tp)
    extra = None
    if typing.get_origin(tp) is typing.Annotated:
        tp, *metadata = typing.get_args(tp)
        extra = next((m for m in metadata if hasattr(m, "constraints")), None)
    schema = _schema(tp)
    for name, value in {**(extra.constraints() if extra else {}), **(constraints or {})}.items():
        _constrain(schema, name, value)
    if optional:
        schema = _nullable(schema)
    return schema


def _nullable(schema: dict) -> dict:
    kind = schema.get("type")
    if "enum" in schema:
        schema = {**schema, "enum": schema["enum"] + [None]}
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if kind is None and schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _schema(tp) -> dict:
    if tp is typing.Any or tp is object:
        return {}
    if tp is None or tp is _NONE:
        return {"type": "null"}
    if typing.get_origin(tp) is typing.Literal:
        return _enum(list(typing.get_args(tp)))
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return {"anyOf": [schema_of(a) for a in typing.get_args(tp)]}
    item = sequence_item(tp)
    if item is not None:
        return {"type": "array", "items": schema_of(item)}
    if typing.get_origin(tp) is dict or tp is dict:
        args = typing.get_args(tp)
        return {"type": "object", **({"additionalProperties": schema_of(args[1])} if len(args) == 2 else {})}
    if not isinstance(tp, type):
        return {}
    if issubclass(tp, bool):
        return {"type": "boolean"}
    if issubclass(tp, enum.Enum):
        return _enum([m.value for m in tp])
    if issubclass(tp, int):
        return {"type": "integer"}
    if issubclass(tp, float):
        return {"type": "number"}
    if issubclass(tp, decimal.Decimal):
        return {"type": ["number", "string"], "format": "decimal"}
    if issubclass(tp, str):
        return {"type": "string"}
    for cls, name in _FORMATS.items():
        if issubclass(tp, cls):
            return {"type": "string", "format": name}
    if dataclasses.is_dataclass(tp) or typing.is_typeddict(tp):
        fields = field_types(tp)
        schema = {"type": "object", "properties": {n: schema_of(t) for n, (t, _) in fields.items()}}
        required = [n for n, (_, has_default) in fields.items() if not has_default]
        if required:
            schema["required"] = required
        return schema
    if _pydantic(tp):
        return tp.model_json_schema() if hasattr(tp, "model_json_schema") else tp.schema()
    if _msgspec(tp):
        import msgspec
        return msgspec.json.schema(tp)
    return {}


def _enum(values: list) -> dict:
    """The schema of one of `values`: typed, so text converts to them (a query's "1" to 1)."""
    kinds = {"boolean" if isinstance(v, bool) else "integer" if isinstance(v, int) else
             "number" if isinstance(v, float) else "string" if isinstance(v, str) else None for v in values}
    return {"type": kinds.pop(), "enum": values} if len(kinds) == 1 and None not in kinds else {"enum": values}


def _constrain(schema: dict, name: str, value) -> None:
    is_array = schema.get("type") == "array"
    key = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum",
           "multiple_of": "multipleOf", "pattern": "pattern", "min_items": "minItems", "max_items": "maxItems",
           "format": "format", "separator": "separator",
           "min_length": "minItems" if is_array else "minLength",
           "max_length": "maxItems" if is_array else "maxLength"}[name]
    schema[key] = value


def converter_of(tp):
    """A function from the checked JSON value to `tp`; None when the value
    needs no conversion (str, int, bool, plain containers of them)."""
    tp, optional = strip_optional(tp)
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    convert = _converter(tp)
    if convert is None or not optional or convert is _float:  # (_float passes None as it is: the server follows it)
        return convert
    return lambda value: None if value is None else convert(value)


def _datetime(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


_DURATION = re.compile(r"P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
                       r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def _timedelta(text: str) -> datetime.timedelta:
    years, months, weeks, days, hours, minutes, seconds = (float(g or 0) for g in _DURATION.fullmatch(text).groups())
    return datetime.timedelta(days=years * 365 + months * 30 + weeks * 7 + days, hours=hours, minutes=minutes,
                              seconds=seconds)


def _float(value):
    """pydantic's float: an int given for one becomes a float (3 -> 3.0)."""
    return float(value) if type(value) is int else value


_float._snasio_plan = ("float", float)  # the server follows it itself (snasio._contract.PlannedRoute.values)


def _converter(tp):
    if not isinstance(tp, type) and typing.get_origin(tp) is None:
        return None
    if tp is float:
        return _float
    item = sequence_item(tp)
    if item is not None:
        inner = converter_of(item)
        container = typing.get_origin(tp) or tp
        if container in (set, frozenset, tuple):
            return (lambda values: container(values)) if inner is None else \
                (lambda values: container(inner(v) for v in values))
        if inner is None:
            return None

        def each(values):
            return [inner(v) for v in values]
        each._snasio_plan = ("list", inner)  # the server follows it itself (snasio._contract.PlannedRoute.values)
        return each
    if not isinstance(tp, type) or issubclass(tp, (bool, int, float, str)) and not issubclass(tp, enum.Enum):
        return None
    if issubclass(tp, enum.Enum):
        return tp
    if issubclass(tp, decimal.Decimal):
        return lambda value: decimal.Decimal(str(value))
    if issubclass(tp, uuid.UUID):
        return uuid.UUID
    if issubclass(tp, datetime.datetime):
        return _datetime
    if issubclass(tp, datetime.date):
        return datetime.date.fromisoformat
    if issubclass(tp, datetime.time):
        return datetime.time.fromisoformat
    if issubclass(tp, datetime.timedelta):
        return _timedelta
    if dataclasses.is_dataclass(tp) or typing.is_typeddict(tp):
        return _builder(tp)
    if _pydantic(tp):
        return tp.model_validate if hasattr(tp, "model_validate") else tp.parse_obj
    if _msgspec(tp):
        import msgspec
        return lambda value: msgspec.convert(value, tp)
    return None


def _builder(tp):
    """The function that makes a dataclass or TypedDict from its checked JSON
    object (members the class does not declare are left out). Where the
    dataclass's __init__ is the one @dataclass wrote and nothing else runs
    (no __post_init__, no __slots__, every field in __init__), the function
    is written for the class, as @dataclass writes __init__, and fills the
    instance's __dict__ in one step: about 3× faster than calling __init__
    for a body of many small objects (docs/app.md, Costs). When no field has
    a default, it also carries a plan the server follows without calling it."""
    names = {name: converter_of(t) for name, (t, _) in field_types(tp).items()}
    convert = {name: c for name, c in names.items() if c}
    if typing.is_typeddict(tp):
        return lambda value: {k: convert[k](v) if k in convert else v for k, v in value.items() if k in names}
    written = getattr(getattr(tp.__dict__.get("__init__"), "__code__", None), "co_filename", "") == "<string>"
    fields = dataclasses.fields(tp)
    if not (written and tp.__dictoffset__ and not hasattr(tp, "__post_init__") and all(f.init for f in fields)):
        return lambda value: tp(**{k: convert[k](v) if k in convert else v for k, v in value.items() if k in names})
    scope, members = {"new": object.__new__, "cls": tp}, []
    for i, field in enumerate(fields):
        key = repr(field.name)
        scope[f"c{i}"], scope[f"d{i}"], scope[f"f{i}"] = convert.get(field.name), field.default, field.default_factory
        read = f"c{i}(value[{key}])" if field.name in convert else f"value[{key}]"
        if field.default is not dataclasses.MISSING:
            read = f"({read} if {key} in value else d{i})"
        elif field.default_factory is not dataclasses.MISSING:
            read = f"({read} if {key} in value else f{i}())"
        members.append(f"{key}: {read}")
    text = f"def build(value):\n    obj = new(cls)\n    obj.__dict__.update({{{', '.join(members)}}})\n    return obj\n"
    exec(text, scope)  # noqa: S102 (written above from the field names, as @dataclass writes __init__)
    build = scope["build"]
    if all(f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING for f in fields):
        # What the server does itself for an object with exactly these fields
        # (snasio._contract.PlannedRoute.values): build's work without a call.
        build._snasio_plan = ("dataclass", tp, tuple((f.name, convert.get(f.name)) for f in fields))
    return build


def lower(value):
    """The JSON form of a value the server's serializer does not know, one
    level deep (the server serializes what it contains in turn): a pydantic
    model as a dict, an Enum as its value, a UUID or Decimal as a str, a
    timedelta as an ISO 8601 duration, a set as a list. TypeError for
    anything else. (Dataclasses and msgspec Structs never get here: the
    server writes their fields itself.)"""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return _duration_text(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    if _pydantic(type(value)):
        return value.model_dump() if hasattr(value, "model_dump") else value.dict()
    raise TypeError(type(value).__name__)


def _duration_text(d: datetime.timedelta) -> str:
    seconds = d.total_seconds()
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    text = f"{sign}P{int(days)}D" if days else f"{sign}P"
    time = "".join(f"{int(v) if unit != 'S' else (int(v) if v == int(v) else v)}{unit}"
                   for v, unit in ((hours, "H"), (minutes, "M"), (rest, "S")) if v)
    return text + ("T" + time if time else "" if days else "T0S")
