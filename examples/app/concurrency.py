"""Async endpoints: many waits at once on the server's one event loop.

An `async def` handler runs as a Task on the GIL thread's asyncio loop. While
it awaits, the loop serves other requests; waits that are gathered overlap,
so three sleeps take as long as the longest, not as long as all three.
"""

import asyncio
import time

from snasio import HTTPError, Request, route

MAX_SLEEP = 10.0
DEFAULT_SLEEPS = (0.1, 0.2, 0.3)


@route("/gather")
async def gather(request: Request) -> dict:
    """GET /gather[?s=0.1,0.2,0.3] → how long the gathered sleeps took in total."""
    raw = request.query_params.get("s")
    try:
        sleeps = [float(x) for x in raw.split(",")] if raw else list(DEFAULT_SLEEPS)
    except ValueError:
        raise HTTPError(400, "s must be comma-separated seconds") from None
    if len(sleeps) > 100 or not all(0 <= s <= MAX_SLEEP for s in sleeps):
        raise HTTPError(400, f"at most 100 sleeps, each between 0 and {MAX_SLEEP} s")
    started = time.monotonic()
    await asyncio.gather(*(asyncio.sleep(s) for s in sleeps))
    elapsed = time.monotonic() - started
    return {"sleeps": sleeps, "elapsed": elapsed, "longest": max(sleeps, default=0.0), "sum": sum(sleeps)}


@route("/sleep")
async def sleep(request: Request) -> dict:
    """GET /sleep?s=0.5 → sleeps without holding up anyone else."""
    try:
        seconds = float(request.query_params.get("s", "0.1"))
    except ValueError:
        raise HTTPError(400, "s must be a number of seconds") from None
    if not 0 <= seconds <= MAX_SLEEP:
        raise HTTPError(400, f"s must be between 0 and {MAX_SLEEP}")
    await asyncio.sleep(seconds)
    return {"slept": seconds}
