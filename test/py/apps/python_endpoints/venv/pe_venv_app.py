"""Reports which Python runs it and what it could import from the venv."""

import sys

import pe_venvpkg  # lives only in the test's venv site-packages

from snasio import route


@route("/env")
def env(request):
    try:
        import numpy
        numpy_file = numpy.__file__
    except ImportError:
        numpy_file = None
    return {
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "executable": sys.executable,
        "path": sys.path,
        "package": pe_venvpkg.VALUE,
        "package_file": pe_venvpkg.__file__,
        "numpy": numpy_file,
    }
