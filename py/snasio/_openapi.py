"""/openapi.json: an OpenAPI 3.1 document made once at start-up from the
routes as planned (the same plans the server validates with), served by
the server itself."""

import json
import re

from snasio import _planning

_PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([A-Za-z_][A-Za-z0-9_]*)>|\{([A-Za-z_][A-Za-z0-9_]*)(?::[^{}]+)?\}")

# The answer to a request whose typed parameters fail their checks (RFC 9457).
PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["type", "loc", "msg"],
            "properties": {"type": {"type": "string"}, "loc": {"type": "array", "items": {
                "anyOf": [{"type": "string"}, {"type": "integer"}]}}, "msg": {"type": "string"},
                "input": {}, "ctx": {"type": "object"}}}},
    },
}


def document(reference: str = "") -> str:
    """The OpenAPI document of the planned routes, as JSON text, titled
    after the app (--app's reference)."""
    title = reference or "snasio app"
    paths = {}
    for route in _planning.routes:
        if not route.pattern:
            continue  # the server's own answers: no route of the app
        path = _PLACEHOLDER.sub(lambda m: "{" + (m[1] or m[2]) + "}", route.pattern)
        typed = route.typed or {"parameters": [], "body": None}
        declared = {(p["in"], p["name"]) for p in typed["parameters"]}
        parameters = list(typed["parameters"]) + [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in (m[0] or m[1] for m in _PLACEHOLDER.findall(route.pattern)) if ("path", name) not in declared]
        for method in route.methods:
            operation = {"operationId": f"{_planning.describe(route.handler)}:{method.lower()}",
                         "responses": {"200": {"description": "Successful Response"}}}
            doc = (route.handler.__doc__ or "").strip()
            if doc:
                operation["summary"] = doc.splitlines()[0]
            if parameters:
                operation["parameters"] = parameters
            if typed["body"] is not None:
                media, schema = typed["body"]
                operation["requestBody"] = {"required": True, "content": {media: {"schema": schema}}}
            if route.typed and (typed["parameters"] or typed["body"] is not None):
                operation["responses"]["422"] = {"description": "Validation Error", "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            paths.setdefault(path, {})[method.lower()] = operation
    return json.dumps({"openapi": "3.1.0", "info": {"title": title, "version": "1.0.0"}, "paths": paths,
                       "components": {"schemas": {"Problem": PROBLEM}}}, separators=(",", ":"), default=str)
