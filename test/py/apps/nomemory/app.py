"""Fault injection: /arm/<k> makes the k-th memory allocation the interpreter
makes from then on fail (CPython's own _testcapi.set_nomemory), once. Swept
over k, the failure lands at every allocation of the rest of that response
and of the requests after it, in C++ and in snasio's Python alike."""

import asyncio

import _testcapi

from snasio import HTTPError, Response, StreamingResponse, route


@route("/arm/<int:k>")
def arm(request):
    _testcapi.set_nomemory(k := request.path_params["k"], k + 1)
    return None


@route("/rich/<int:n>", methods=["GET", "POST"])
def rich(request):
    return {"n": request.path_params["n"], "q": request.query_params_multi, "body": request.body,
            "h": request.headers.get("x-a"), "c": request.cookies, "f": [1.5, None, True, "é" * 3, 2**70]}


@route("/async/<int:n>", methods=["POST"])
async def rich_async(request):
    await asyncio.sleep(0)
    return Response({"n": request.path_params["n"], "form": request.form}, status=201,
                    headers={"X-B": "b"})


@route("/kinds/<int:n>", methods=["GET", "POST"])
def kinds(request):
    n = request.path_params["n"]
    if n == 0:
        r = Response("text é", status=202, headers={"X-C": "c"})
        r.set_cookie("s", "v", max_age=60, path="/", httponly=True)
        return r
    if n == 1:
        return b"\x00bytes", 200, {"X-D": "d"}
    if n == 2:
        raise HTTPError(409, "taken")
    if n == 3:
        return {"files": sorted(request.files), "form": request.form}
    return ["a", {"b": [1, 2]}], 201



@route("/stream/<int:n>")
async def stream(request):
    async def items():
        for i in range(request.path_params["n"]):
            yield f"piece {i}\n"
            await asyncio.sleep(0)
    return StreamingResponse(items(), headers={"X-S": "s"}, content_type="text/plain")


@route("/tasks")
async def tasks(request):
    """What the event loop holds, for a failure's diagnosis."""
    return [f"{t!r} at {t.get_stack(limit=3)!r}" for t in asyncio.all_tasks()]
