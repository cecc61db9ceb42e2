"""An app that sets server settings, from code."""

import os

from snasio import ServerConfig, configure, route

configure(ServerConfig(max_body_bytes=16, max_pipelined=3))
configure(drain_timeout=0.5, max_json_depth=4)

setting = os.environ.get("SNASIO_TEST_SETTING")   # name=value, to try one more
if setting:
    name, _, value = setting.partition("=")
    configure(**{name: value})


@route("/echo", methods=["POST"])
def echo(request):
    return request.body
