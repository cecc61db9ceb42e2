"""A request hook that lets every request through: with it, every route is
called through the app layer's invoker instead of directly."""

from snasio import on_request


@on_request
def let_through(request):
    return None
