"""Imported with --module pe_first."""

import sys

from snasio import route


@route("/first")
def first(request):
    return {"first": True, "second_imported": "pe_second" in sys.modules}
