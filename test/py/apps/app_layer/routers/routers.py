"""Routers with prefixes, nested, mounted from two modules."""

from snasio import Router, include_router, provide, route

provide("version", "v1")

api = Router(prefix="/api")
v1 = Router(prefix="/v1")
admin = Router()


@api.route("/status")
def status():
    return {"where": "api"}


@v1.route("/users/<int:user_id>", methods=["GET", "DELETE"])
def user(request, user_id: int, version):
    return {"user_id": user_id, "method": request.method, "version": version}


@admin.route("/admin/<name>")
async def admin_page(name):
    return {"admin": name}


v1.include_router(admin)
api.include_router(v1)
include_router(api)


@route("/top")
def top():
    return {"where": "top"}
