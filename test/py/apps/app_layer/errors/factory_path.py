from snasio import Provide, provide, route


def load_user(user_id: int):
    return {"id": user_id}


provide("user", Provide(load_user))


@route("/users/<int:user_id>")
def with_placeholder(user):
    return user


@route("/me")
def without_placeholder(user):
    return user
