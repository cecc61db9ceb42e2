"""What the soak test's pool workers run (importable without the server)."""


def square(n):
    return n * n
