from snasio import Provide, provide, route


def make_repository(engine):
    return engine


provide("repository", Provide(make_repository))


@route("/repo")
def repo(repository):
    return "never"
