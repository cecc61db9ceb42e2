"""An app whose route names its methods with something other than str."""

from snasio import route


@route("/items", methods=["GET", 1])
def items(request):
    return {}
