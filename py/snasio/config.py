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
