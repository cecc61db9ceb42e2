"""The hello route as a WSGI app for uWSGI's python3 plugin (--http-socket).

uWSGI's HTTP socket adds no Date header, so the app adds one, formatted at
most once a second as the other servers do."""

import json
import time
from email.utils import formatdate

_date = [0, ""]


def _date_header():
    now = int(time.time())
    if now != _date[0]:
        _date[0], _date[1] = now, formatdate(now, usegmt=True)
    return _date[1]


def application(environ, start_response):
    body = json.dumps({"message": "Hello from Python"}, separators=(",", ":")).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                              ("Date", _date_header())])
    return [body]
