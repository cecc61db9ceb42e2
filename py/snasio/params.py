"""Where a typed handler's parameter comes from, and what it must satisfy:
the markers Query, Path, Header, Cookie, Body, Form and File, written as
FastAPI writes them.

    def search(q: Annotated[str, Query(max_length=20)] = "", page: int = 1): ...
    def item(item_id: int, x_token: Annotated[str, Header()]): ...

The server checks every constraint on the reactor, before the handler's
job is queued: a request that fails them is answered 422 without Python.
"""

REQUIRED = object()  # a marker's default when the parameter has none: the request must give it

_CONSTRAINTS = ("gt", "ge", "lt", "le", "multiple_of", "min_length", "max_length", "pattern", "min_items",
                "max_items", "format")


class Param:
    """A parameter's source and constraints. `default` (or the parameter's
    own default) makes it optional; `alias` is the name the request uses
    when it is not the parameter's; the rest are constraints: gt ge lt le
    multiple_of (numbers), min_length max_length pattern (strings, and
    min_length/max_length count a list's items), min_items max_items
    (lists), format (a string's JSON Schema format: "email", "uri",
    "ipv4", "ipv6", "hostname", ...). `description` goes to /openapi.json."""

    source = ""

    def __init__(self, default=REQUIRED, *, alias: str | None = None, gt=None, ge=None, lt=None, le=None,
                 multiple_of=None, min_length: int | None = None, max_length: int | None = None,
                 pattern: str | None = None, min_items: int | None = None, max_items: int | None = None,
                 format: str | None = None, description: str | None = None) -> None:
        self.default = default
        self.alias = alias
        self.gt, self.ge, self.lt, self.le, self.multiple_of = gt, ge, lt, le, multiple_of
        self.min_length, self.max_length, self.pattern = min_length, max_length, pattern
        self.min_items, self.max_items, self.format = min_items, max_items, format
        self.description = description

    def constraints(self) -> dict:
        """The constraints given, by name."""
        return {name: getattr(self, name) for name in _CONSTRAINTS if getattr(self, name) is not None}

    def __repr__(self) -> str:
        given = {"default": self.default} if self.default is not REQUIRED else {}
        given.update(self.constraints())
        if self.alias:
            given["alias"] = self.alias
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in given.items())})"


class Field(Param):
    """Constraints on a field of a body's dataclass or TypedDict:
    `name: Annotated[str, Field(max_length=50)]`."""
    source = ""


class Query(Param):
    """From the query string; a list takes every value of a repeated key (or,
    with `separator`, the parts of one value: "a|b|c")."""
    source = "query"

    def __init__(self, default=REQUIRED, *, separator: str | None = None, **constraints) -> None:
        super().__init__(default, **constraints)
        self.separator = separator

    def constraints(self) -> dict:
        return {**super().constraints(), **({"separator": self.separator} if self.separator else {})}


class Path(Param):
    """From the path placeholder of the same name."""
    source = "path"


class Header(Param):
    """From a header: the parameter's name with "_" as "-", matched
    ignoring case (x_token reads X-Token), unless `convert_underscores` is
    False or an alias is given."""
    source = "header"

    def __init__(self, default=REQUIRED, *, convert_underscores: bool = True, **constraints) -> None:
        super().__init__(default, **constraints)
        self.convert_underscores = convert_underscores


class Cookie(Param):
    """From the Cookie header."""
    source = "cookie"


class Body(Param):
    """From the JSON body: the whole body, or with `embed=True` (or beside
    another body parameter) the member of that name. `forbid_extra=True`
    refuses members the body's type does not declare (extra_forbidden)."""
    source = "body"

    def __init__(self, default=REQUIRED, *, embed: bool = False, forbid_extra: bool = False, **constraints) -> None:
        super().__init__(default, **constraints)
        self.embed = embed
        self.forbid_extra = forbid_extra


class Form(Param):
    """A field of an application/x-www-form-urlencoded or multipart/form-data body."""
    source = "form"


class File(Param):
    """An uploaded file of a multipart/form-data body (an UploadedFile; a
    list[UploadedFile] takes every file of the field). `content_types`
    lists the media types allowed; `check_magic=True` also refuses a file
    whose first bytes say it is another type than it claims."""
    source = "file"

    def __init__(self, default=REQUIRED, *, content_types: list[str] | None = None, check_magic: bool = False,
                 **constraints) -> None:
        super().__init__(default, **constraints)
        self.content_types = list(content_types or [])
        self.check_magic = check_magic
