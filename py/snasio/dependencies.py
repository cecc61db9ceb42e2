"""Dependencies: what a handler's parameters receive besides the request, its
path parameters and the pool, registered by type or by name."""

from collections.abc import Callable


_CLEANUPS = ("before_response", "after_response")


class Provide:
    """How a dependency is made: `Provide(factory, singleton=False,
    use_cache=False, cleanup="before_response")`.

    The factory may be a function, an async function, a generator or an async
    generator: what follows a generator's `yield` is its clean-up, which runs
    before the response is sent (a commit is then visible to the client's
    next request, and a clean-up that fails makes the answer a 500), or with
    cleanup="after_response" once the response is written (a slow clean-up
    then delays no answer). singleton=True: made once, cleaned up at
    shutdown. use_cache=True: made once per request, however many parameters
    need it.
    """

    __slots__ = ("factory", "singleton", "use_cache", "after_response")

    def __init__(self, factory: Callable, singleton: bool = False, use_cache: bool = False,
                 cleanup: str = "before_response") -> None:
        if not callable(factory):
            raise TypeError(f"Provide() takes a callable, not {type(factory).__name__}")
        if cleanup not in _CLEANUPS:
            raise ValueError(f"Provide(cleanup=...) is 'before_response' or 'after_response', not {cleanup!r}")
        self.factory = factory
        self.singleton = bool(singleton)
        self.use_cache = bool(use_cache)
        self.after_response = cleanup == "after_response"


class _Value:
    """A plain value given to provide()."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value


def key_of(key: type | str) -> str:
    """A dependency's key: a type becomes "module.qualname", a name stays itself."""
    if isinstance(key, str):
        return key
    if isinstance(key, type):
        return f"{key.__module__}.{key.__qualname__}"
    raise TypeError(f"a dependency key is a type or a name, not {type(key).__name__}")


def provided(value):
    """What provide() keeps for `value`: a Provide, or a plain value wrapped."""
    return value if isinstance(value, Provide) else _Value(value)
