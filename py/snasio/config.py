"""Server settings made by the app, named as the flags in snake_case."""

# What only the command line decides: where to listen, what to import, what a
# supervisor reads. Every other flag may be set by the app, by its snake_case
# name; the server checks the names and values when it applies them.
COMMAND_LINE_ONLY = ("host", "port", "uds", "uds_mode", "venv", "app_dir", "module", "workers", "max_requests",
                     "reload")

class ServerConfig:
    """Settings that take effect after the app is imported, named as the flags
    in snake_case: `ServerConfig(max_body_bytes=2_000_000, drain_timeout=30)`.
    The command line wins over them; they win over the defaults."""

    def __init__(self, **settings) -> None:
        for name in settings:
            check_setting(name)
        self.settings = settings

    def __repr__(self) -> str:
        return f"ServerConfig({', '.join(f'{k}={v!r}' for k, v in self.settings.items())})"


def check_setting(name: str) -> None:
    if name in COMMAND_LINE_ONLY:
        raise ValueError(f"configure(): {name} comes from the command line only "
                         f"(--{name.replace('_', '-')}), not from the app")


def as_text(config: ServerConfig | None, settings: dict) -> dict[str, str]:
    """The settings of configure(config, **settings), checked, as text by name."""
    if config is not None:
        if not isinstance(config, ServerConfig):
            raise TypeError("configure() takes a ServerConfig or keyword settings")
        settings = {**config.settings, **settings}
    out = {}
    for name, value in settings.items():
        check_setting(name)
        out[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def _names(items, what: str) -> str:
    items = [items] if isinstance(items, str) else list(items)
    for item in items:
        if not isinstance(item, str) or "," in item or not item.strip():
            raise ValueError(f"{what}: {item!r} is not a name")
    return ",".join(items)


def cors_settings(origins, regex, methods, headers, expose, credentials, max_age, private_network) -> dict:
    """App.cors()'s arguments as the --cors-* settings."""
    if not origins and not regex:
        raise ValueError("cors(): give allow_origins (a list, or [\"*\"]) or allow_origin_regex")
    out = {"cors_allow_origins": _names(origins, "cors() allow_origins"), "cors_allow_origin_regex": regex,
           "cors_allow_headers": _names(headers, "cors() allow_headers"),
           "cors_expose_headers": _names(expose, "cors() expose_headers"),
           "cors_allow_credentials": bool(credentials), "cors_max_age": int(max_age),
           "cors_allow_private_network": bool(private_network)}
    if methods is not None:
        out["cors_allow_methods"] = _names([m.upper() for m in methods], "cors() allow_methods")
    return out


def compression_settings(gzip, brotli, min_size, quality, types, event_streams) -> dict:
    """App.compression()'s arguments as the --compress* settings."""
    out = {"compress": ",".join(c for c, on in (("gzip", gzip), ("br", brotli)) if on) or "none",
           "compress_min_bytes": int(min_size), "compress_level": int(quality),
           "compress_event_streams": bool(event_streams)}
    if types is not None:
        out["compress_types"] = _names(types, "compression() types")
    return out


def static_mount(prefix: str, directory, index: bool, cache_control: str, follow_symlinks: bool) -> str:
    """One App.static() mount as --static's text: PREFIX=DIR|options."""
    import os
    directory = os.fspath(directory)
    if not prefix.startswith("/") or "=" in prefix or any(c in prefix + directory + cache_control for c in "|\n"):
        raise ValueError(f"static(): prefix {prefix!r} must start with '/' and hold no '='; "
                         f"no part may hold '|' or a newline")
    text = f"{prefix}={os.path.abspath(directory)}"
    text += "" if index else "|index=false"
    text += "|symlinks=true" if follow_symlinks else ""
    return text + (f"|cache={cache_control}" if cache_control else "")


def rate_text(per_second, burst) -> str:
    """App.rate_limit()'s arguments as --rate-limit's RATE/BURST."""
    burst = max(1, per_second) if burst is None else burst
    return f"{float(per_second)!r}/{float(burst)!r}"
