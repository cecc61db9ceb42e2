"""What the test app's pool handlers run in the workers: module-level
functions in a module the workers import by name (the app dir is on their
sys.path). No snasio import: a worker is a plain Python process."""

import ctypes
import os
import signal
import sys
import time


def cube(n: int) -> int:
    return n ** 3


def nap(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def info() -> dict:
    try:
        import numpy
        numpy_ok = int(numpy.arange(4).sum()) == 6
    except ImportError:
        numpy_ok = False
    return {
        "executable": sys.executable,
        "numpy": numpy_ok,
        "sigint_ignored": signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
        "pid": os.getpid(),
    }


def exit_now() -> None:
    os._exit(1)


def segfault() -> None:
    ctypes.string_at(0)
