"""What runs first in each process-pool worker. Kept apart from _loop.py,
which needs the server's built-in module: workers are plain Python processes."""

import signal


def init():
    # The server owns the signals: a Ctrl-C in the terminal reaches the whole
    # process group, and workers must leave the shutdown to the server.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
