"""What the pool workers run for operator_app.py (importable without the server)."""

import time


def nap(seconds):
    time.sleep(seconds)
    return True
