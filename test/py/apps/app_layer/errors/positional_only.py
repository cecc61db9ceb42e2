from snasio import route


@route("/po")
def positional_only(limit=10, request=None, /):
    return "never"
