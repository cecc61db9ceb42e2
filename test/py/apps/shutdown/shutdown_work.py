"""Work the process pool runs for shutdown_app (importable by the workers)."""

import os
import time


def nap(ms):
    time.sleep(ms / 1000)
    return os.getpid()
