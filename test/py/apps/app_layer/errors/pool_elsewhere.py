from snasio import route


@route("/pool")
def not_a_pool_route(pool):
    return "never"
