from snasio import Provide, provide, route


def make_a(b):
    return b


def make_b(c):
    return c


def make_c(a):
    return a


provide("a", Provide(make_a))
provide("b", Provide(make_b))
provide("c", Provide(make_c))


@route("/cycle")
def cycle(a):
    return "never"
