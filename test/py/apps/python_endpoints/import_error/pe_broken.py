"""An app whose import fails: the server must refuse to start."""

from snasio import route


@route("/never")
def never(request):
    return {"served": True}


def load_settings():
    raise RuntimeError("pe_broken cannot load its settings (marker 5d1e)")


load_settings()
