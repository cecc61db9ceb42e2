from snasio import route


@route("/var")
def var(request, *args):
    return "never"
