"""Must not be imported when only --module pe_first is asked for."""

from snasio import route


@route("/second")
def second(request):
    return {"second": True}


raise RuntimeError("pe_second was imported (marker 0b7c)")
