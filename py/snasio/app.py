"""The application object: its routes, hooks, dependencies and settings.

    app = snasio.App()

    @app.get("/users/{user_id}")
    def user(user_id: int, q: Annotated[str, Query(max_length=20)] = "") -> dict: ...

`snasio-serve --app module:app` serves it. The module-level route, hooks,
provide and configure register on a default App, which the server serves
when no --app names another.
"""

from collections.abc import Callable

from snasio import background, config, dependencies, hooks
from snasio.routing import Router


class App:
    """Routes (with routers mounted under prefixes), lifecycle and request
    hooks, dependencies and settings: all one served app declares."""

    def __init__(self) -> None:
        self.router = Router()
        self.hooks = hooks.registry()
        # Every app provides BackgroundTasks (it may provide its own instead).
        self.providers: dict = {dependencies.key_of(background.BackgroundTasks):
                                dependencies.Provide(background.provide, cleanup="after_response")}
        self.settings: dict[str, str] = {}
        for kind in hooks.KINDS:
            setattr(self, hooks.method_name(kind), hooks.decorator(self.hooks, kind))

    # routes
    def route(self, path: str, methods: list[str] | str | None = None, use_process_pool: bool = False,
              blocking: bool = False, schema: dict | None = None, **limits) -> Callable[[Callable], Callable]:
        """Serves the decorated function at `path` for `methods` (default
        ["GET"]). Patterns: Flask's /users/<int:user_id>, or FastAPI's
        /users/{user_id} with the type from the annotation. `schema` gives
        an explicit JSON Schema per source instead of annotations; limits
        (max_body_bytes, max_json_depth, max_header_bytes) tighten the
        server's for this route (docs/app.md)."""
        return self.router.route(path, methods, use_process_pool, blocking, schema, **limits)

    def get(self, path: str, **options): return self.router.get(path, **options)
    def post(self, path: str, **options): return self.router.post(path, **options)
    def put(self, path: str, **options): return self.router.put(path, **options)
    def patch(self, path: str, **options): return self.router.patch(path, **options)
    def delete(self, path: str, **options): return self.router.delete(path, **options)

    def include_router(self, router: Router) -> None:
        """Mounts `router` (and the routers it includes) in the app."""
        self.router.include_router(router)

    def routes(self):
        """Every route of the app, with its full pattern, in registration order."""
        return self.router.routes()

    # dependencies and settings
    def provide(self, key: type | str, value) -> None:
        """Makes `value` (or what `Provide(factory, ...)` makes) the dependency
        for `key`: a type (for a parameter annotated with it) or a name."""
        self.providers[dependencies.key_of(key)] = dependencies.provided(value)

    def provider(self, key: str):
        """What was provided for `key`, or None."""
        return self.providers.get(key)

    def configure(self, settings: config.ServerConfig | None = None, **more) -> None:
        """Server settings from the app, named as the flags in snake_case."""
        self.settings.update(config.as_text(settings, more))

    # what the server decides natively, around the routes (docs/app.md, "Middleware")
    def cors(self, allow_origins=(), allow_origin_regex: str = "", allow_methods=None, allow_headers=(),
             expose_headers=(), allow_credentials: bool = False, max_age: int = 600,
             allow_private_network: bool = False) -> None:
        """Allows cross-origin requests from `allow_origins` (["*"]: any) or
        origins matching `allow_origin_regex`: preflights are answered, other
        origins refused with 403, and every answer gets its headers."""
        self.configure(**config.cors_settings(allow_origins, allow_origin_regex, allow_methods, allow_headers,
                                              expose_headers, allow_credentials, max_age, allow_private_network))

    def compression(self, gzip: bool = True, brotli: bool = True, min_size: int = 512, quality: int = 5,
                    types=None, event_streams: bool = False) -> None:
        """Compresses answers of `types` (default: text, JSON, JavaScript,
        XML, SVG) from `min_size` bytes, with the coding the client prefers."""
        self.configure(**config.compression_settings(gzip, brotli, min_size, quality, types, event_streams))

    def static(self, prefix: str, directory, index: bool = True, cache_control: str = "",
               follow_symlinks: bool = False) -> None:
        """Serves `directory`'s files under `prefix`, natively, confined to it."""
        mount = config.static_mount(prefix, directory, index, cache_control, follow_symlinks)
        self.settings["static"] = "\n".join(filter(None, (self.settings.get("static"), mount)))

    def rate_limit(self, per_second: float, burst: float | None = None) -> None:
        """At most `per_second` requests per client address on average, `burst`
        at once (default: per_second), for every request; beyond it, 429."""
        self.configure(rate_limit=config.rate_text(per_second, burst))


default = App()  # what the module-level functions register on

route = default.route
include_router = default.include_router
provide = default.provide
configure = default.configure
on_startup, on_shutdown = default.on_startup, default.on_shutdown
on_request, pre_validation, pre_handler = default.on_request, default.pre_validation, default.pre_handler
on_response, on_error = default.on_response, default.on_error
cors, compression, static, rate_limit = default.cors, default.compression, default.static, default.rate_limit
