"""Forms, cookies, redirects and uploads: a sign-in that remembers a name.

    curl -i -d 'name=Ada' http://127.0.0.1:8000/sign-in      # 303 to /me, with a cookie
    curl -b 'name=Ada' http://127.0.0.1:8000/me
    curl -F 'photo=@picture.png' http://127.0.0.1:8000/upload
"""

from snasio import HTTPError, Request, redirect, route


@route("/sign-in", methods=["POST"])
def sign_in(request: Request):
    name = request.form.get("name", "")
    if not (name.isascii() and name.isalnum()):
        raise HTTPError(400, "send a name of ASCII letters and digits in the form field 'name'")
    response = redirect("/me", status=303)   # 303: the browser follows with a GET
    response.set_cookie("name", name, max_age=3600, httponly=True, samesite="Lax")
    return response


@route("/me")
def me(request: Request):
    name = request.cookies.get("name")
    if name is None:
        raise HTTPError(401, "not signed in")
    return {"name": name}


@route("/sign-out", methods=["POST"])
def sign_out(request: Request):
    response = redirect("/me", status=303)
    response.delete_cookie("name")
    return response


@route("/upload", methods=["POST"])
def upload(request: Request):
    """What arrived: each file's name, type and size, and the other fields."""
    files = {field: {"filename": f.filename, "content_type": f.content_type, "bytes": len(f.data)}
             for field, f in request.files.items()}
    return {"files": files, "fields": request.form}
