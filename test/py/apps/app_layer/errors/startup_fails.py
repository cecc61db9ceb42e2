from snasio import on_startup, route


@on_startup
async def connect():
    raise ConnectionError("the database is not there")


@route("/never")
def never():
    return "never"
