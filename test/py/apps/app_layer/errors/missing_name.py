from snasio import route


@route("/users/<int:user_id>")
def user(id):
    return "never"
