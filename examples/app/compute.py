"""CPU-bound endpoints: the work runs in the process pool, not on the GIL thread.

A `use_process_pool=True` handler gets the server's ProcessPoolExecutor as its
second argument. What it submits must be picklable by reference: a function
defined at module level in a module the workers can import by name (the app
directory is on their sys.path, as it is on the server's). The handler itself
only validates the request and waits for the answer.
"""

import asyncio

import numpy as np

from snasio import HTTPError, Request, route

# Squares of integers are computed in int64: beyond this bound they would wrap.
MAX_EXACT_INT = 3_037_000_499          # floor(sqrt(2**63 - 1))
MAX_NUMBERS = 100_000                   # a request's list, so one request cannot hog a worker
MAX_MATRIX_SIDE = 200


# -- what the workers run (module level, so workers can import it) ------------

def squares(numbers: list) -> list:
    """Squares every number with numpy; ints stay exact ints, floats stay floats."""
    if all(isinstance(n, int) for n in numbers):
        return (np.asarray(numbers, dtype=np.int64) ** 2).tolist()
    return (np.asarray(numbers, dtype=np.float64) ** 2).tolist()


def matmul(a: list, b: list) -> list:
    """The matrix product a @ b, in float64."""
    return (np.asarray(a, dtype=np.float64) @ np.asarray(b, dtype=np.float64)).tolist()


# -- the handlers (run in the server) ------------------------------------------

def _numbers(body) -> list:
    if not isinstance(body, dict) or not isinstance(body.get("numbers"), list):
        raise HTTPError(400, 'expected a JSON body {"numbers": [...]}')
    numbers = body["numbers"]
    if len(numbers) > MAX_NUMBERS:
        raise HTTPError(413, f"at most {MAX_NUMBERS} numbers")
    for n in numbers:
        # bool is an int in Python, but true/false are not numbers in JSON.
        if isinstance(n, bool) or not isinstance(n, (int, float)):
            raise HTTPError(400, "numbers must be numbers")
        if isinstance(n, int) and abs(n) > MAX_EXACT_INT:
            raise HTTPError(400, f"integers must be within ±{MAX_EXACT_INT}")
    return numbers


@route("/squares", methods=["POST"], use_process_pool=True)
def squares_endpoint(request: Request, pool) -> dict:
    """POST {"numbers": [1, 2, 3]} → {"squares": [1, 4, 9]}.

    A sync pool handler runs on a blocking thread, so waiting on .result()
    here blocks neither the event loop nor other requests.
    """
    numbers = _numbers(request.body)
    return {"squares": pool.submit(squares, numbers).result()}


def _matrix(value, name: str) -> list:
    if (not isinstance(value, list) or not value or len(value) > MAX_MATRIX_SIDE
            or not all(isinstance(row, list) and row and len(row) == len(value[0]) for row in value)
            or len(value[0]) > MAX_MATRIX_SIDE):
        raise HTTPError(400, f"{name} must be a non-empty rectangular list of rows "
                             f"(at most {MAX_MATRIX_SIDE}×{MAX_MATRIX_SIDE})")
    for row in value:
        for x in row:
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise HTTPError(400, f"{name} must hold numbers only")
    return value


@route("/matmul", methods=["POST"], use_process_pool=True)
async def matmul_endpoint(request: Request, pool) -> dict:
    """POST {"a": [[...]], "b": [[...]]} → {"product": a @ b}.

    An async pool handler runs on the event loop: it awaits the worker's
    future instead of blocking on it.
    """
    body = request.body if isinstance(request.body, dict) else {}
    a, b = _matrix(body.get("a"), "a"), _matrix(body.get("b"), "b")
    if len(a[0]) != len(b):
        raise HTTPError(400, f"cannot multiply {len(a)}×{len(a[0])} by {len(b)}×{len(b[0])}")
    product = await asyncio.wrap_future(pool.submit(matmul, a, b))
    return {"product": product}
