"""The hello route on aiohttp's web server (uvloop when installed). aiohttp
adds Date and Server itself.

    /usr/bin/python3 bench/aiohttp_app.py PORT
"""

import json
import sys

from aiohttp import web


async def hello(request):
    return web.Response(body=json.dumps({"message": "Hello from Python"}, separators=(",", ":")).encode(),
                        content_type="application/json")


def main():
    app = web.Application()
    app.router.add_get("/hello", hello)
    try:
        import uvloop
        loop = uvloop.new_event_loop()
    except ImportError:
        loop = None
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()
