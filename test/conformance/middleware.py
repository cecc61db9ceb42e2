"""What a fixture's middleware becomes in the generated app.

App-wide middleware (CORS, compression, static files, the request id header,
lifecycle hooks) is configured on the App, so fixtures that declare it are
served by an app of their own (`app_key`); per-route middleware (a rate
limit, a timeout, a body limit) becomes the route's own options (`route_options`).
A fixture without a handler whose expected answer is CORS middleware's is
served with the CORS policy that answer implies (`implied_cors`).
"""

import json

APP_WIDE = ("cors", "compression", "static_files", "request_id", "lifecycle_hooks")
PER_ROUTE = ("rate_limit", "request_timeout", "body_limit")
SUPPORTED = APP_WIDE + PER_ROUTE


def middleware(fx) -> dict:
    h = fx.get("handler") or {}
    out = dict(h.get("middleware") or {})
    if "cors" in h:
        out["cors"] = h["cors"]
    implied = implied_cors(fx)
    if implied:
        out["cors"] = implied
    return out


def implied_cors(fx):
    """The CORS policy a handler-less fixture's expected answer implies, or None."""
    if fx.get("handler"):
        return None
    headers = {k.lower(): v for k, v in (fx["expected_response"].get("headers") or {}).items()}
    origin = headers.get("access-control-allow-origin")
    if origin is None:
        return None
    asked = fx["request"].get("headers") or {}
    policy = {"allowed_origins": [origin if origin == "*" else asked.get("Origin", origin)]}
    if "access-control-allow-methods" in headers:
        policy["allowed_methods"] = [m.strip() for m in headers["access-control-allow-methods"].split(",")]
    if "access-control-allow-headers" in headers:
        policy["allowed_headers"] = [m.strip() for m in headers["access-control-allow-headers"].split(",")]
    policy["max_age"] = int(headers.get("access-control-max-age", 600))
    policy["allow_credentials"] = headers.get("access-control-allow-credentials") == "true"
    policy["allow_private_network"] = headers.get("access-control-allow-private-network") == "true"
    return policy


def app_key(fx) -> str:
    """"" for a fixture the shared app serves; else what its own app is configured with."""
    m = middleware(fx)
    wide = {k: m[k] for k in APP_WIDE if k in m}
    if (fx.get("handler") or {}).get("dependencies") and "lifecycle_hooks" in wide:
        wide["dependencies"] = fx["handler"]["dependencies"]
    return json.dumps(wide, sort_keys=True) if wide else ""


def app_lines(fx, prefix: str, files_dir: str) -> list:
    """The App's configuration for a fixture served by its own app (after `app = App()`)."""
    m = middleware(fx)
    lines = []
    if "cors" in m:
        c = m["cors"]
        lines.append(f"app.cors(allow_origins={c.get('allowed_origins', [])!r}, "
                     f"allow_methods={c.get('allowed_methods')!r}, allow_headers={c.get('allowed_headers', [])!r}, "
                     f"expose_headers={c.get('expose_headers', [])!r}, "
                     f"allow_credentials={bool(c.get('allow_credentials'))!r}, max_age={c.get('max_age', 600)!r}, "
                     f"allow_private_network={bool(c.get('allow_private_network'))!r})")
    if "compression" in m:
        c = m["compression"]
        lines.append(f"app.compression(gzip={c.get('gzip', True)!r}, brotli={c.get('brotli', True)!r}, "
                     f"min_size={c.get('min_size', 512)!r}, quality={c.get('quality', 5)!r})")
    for n, mount in enumerate(m.get("static_files") or []):
        directory = f"{files_dir}/static{n}"
        lines.append(f"_files({directory!r}, {[(f['path'], f['content']) for f in mount.get('files', [])]!r})")
        lines.append(f"app.static({prefix + mount['route_prefix']!r}, {directory!r}, "
                     f"index={bool(mount.get('index_file', True))!r}, cache_control={mount.get('cache_control', '')!r})")
    if "request_id" in m:  # ids made as Spikard makes them (UUIDs), or none sent
        lines.append("app.configure(request_id_format='uuid')" if m["request_id"].get("enabled", True)
                     else "app.configure(request_id_header=False)")
    return lines + hook_lines(fx, m.get("lifecycle_hooks") or {})


def hook_lines(fx, hooks: dict) -> list:
    """Each declared hook, by phase, in its order. Each records its name (the
    answer may list them); the answer the fixture expects comes from the phase
    that must give it: a pre_* hook's short-circuit, an on_error hook's answer
    to the handler's exception, an on_response hook's headers."""
    if not hooks:
        return []
    e = fx["expected_response"]
    lines = ["_order = []"]
    short = next((p for p in ("pre_validation", "pre_handler") if hooks.get(p)), None) \
        if e["status_code"] >= 400 and e["status_code"] != 500 else None
    for phase in ("on_request", "pre_validation", "pre_handler", "on_response", "on_error"):
        listed = sorted(hooks.get(phase) or [], key=lambda h: h.get("order", 0))
        for i, hook in enumerate(listed):
            last = i == len(listed) - 1
            name = f"_{phase}_{i}"
            method = phase if phase.startswith("pre_") else phase
            args = "request, response" if phase == "on_response" else "request, exc" if phase == "on_error" else "request"
            lines += [f"@app.{method}", f"def {name}({args}):", f"    _order.append({hook['name']!r})"]
            if phase == short and last:
                lines.append(f"    return {expected_answer(e)}")
            elif phase == "on_error" and last:
                lines.append(f"    return {expected_answer(e)}")
            elif phase == "on_response":
                if last:
                    lines += [f"    response.headers[{k!r}] = {fill(v)!r}" for k, v in handler_headers(e).items()]
                lines.append("    return response")
            lines.append("")
    return lines


def fill(value: str) -> str:
    """A value for an expected ".*"-pattern: one it matches."""
    return value.replace(".*", "1") if isinstance(value, str) else value


def filled(body):
    if isinstance(body, dict):
        return {k: filled(v) for k, v in body.items()}
    if isinstance(body, list):
        return [filled(v) for v in body]
    return fill(body)


def handler_headers(e) -> dict:
    return {k: v for k, v in (e.get("headers") or {}).items()
            if v != "<<absent>>" and k.lower() not in ("content-length", "x-request-id", "vary", "content-type")
            and not k.lower().startswith("access-control-")}


def expected_answer(e) -> str:
    return f"Response({filled(e.get('body'))!r}, status={e['status_code']}, headers={handler_headers(e)!r})"


def handler_role(fx) -> str:
    """What a hooked fixture's handler does: "answer", "raise" (on_error
    answers) or "unreachable" (a pre_* hook answers first)."""
    hooks = ((fx.get("handler") or {}).get("middleware") or {}).get("lifecycle_hooks") or {}
    status = fx["expected_response"]["status_code"]
    if hooks.get("on_error") and status == 500:
        return "raise"
    if status >= 400 and (hooks.get("pre_validation") or hooks.get("pre_handler")):
        return "unreachable"
    return "answer"


def route_options(fx) -> str:
    """The route's own options for its per-route middleware: ", timeout=1.0, ..."""
    m = middleware(fx)
    out = ""
    if "request_timeout" in m:
        out += f", timeout={float(m['request_timeout']['seconds'])!r}"
    if "rate_limit" in m:
        r = m["rate_limit"]
        out += f", rate_limit=({float(r['per_second'])!r}, {float(r.get('burst', r['per_second']))!r})"
    if "body_limit" in m:
        out += f", max_body_bytes={int(m['body_limit']['max_bytes'])!r}"
    return out


def sleep_seconds(fx) -> float:
    return float((middleware(fx).get("request_timeout") or {}).get("sleep_ms", 0)) / 1000


def decided(fx) -> set:
    """The statuses the fixture's middleware decides before any handler (its
    handler then answers 200, so that a request let through shows)."""
    m = middleware(fx)
    return {status for kind, status in (("rate_limit", 429), ("request_timeout", 408)) if kind in m}
