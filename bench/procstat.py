"""What a server process tree has spent, read from /proc.

CPU time is utime + stime of the process and every live descendant, plus what
its waited-for children spent (cutime + cstime). Context switches are counted
per thread of the root process (/proc/PID/task/*/status), named by thread.
"""

import os

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    # The command name may contain spaces and parentheses: split after the last ')'.
    return text[text.rindex(")") + 2:].split()


def _children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat_fields(entry)[1]) == pid:
                    kids.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return kids


def tree(pid):
    """pid and every live descendant."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(_children(p))
    return found


def cpu_seconds(pid):
    """CPU seconds spent by the tree rooted at pid (live descendants and reaped children included)."""
    total = 0
    for i, p in enumerate(tree(pid)):
        try:
            f = _stat_fields(p)
        except OSError:
            continue
        total += int(f[11]) + int(f[12])          # utime, stime
        if i == 0:
            total += int(f[13]) + int(f[14])      # cutime, cstime of reaped children
    return total / TICKS


def thread_switches(pid):
    """{thread name (tid): (voluntary, involuntary)} for each thread of pid."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        out[f"{name} ({tid})"] = (int(fields["voluntary_ctxt_switches"]),
                                  int(fields["nonvoluntary_ctxt_switches"]))
    return out


def sample(pid):
    return {"cpu": cpu_seconds(pid), "threads": thread_switches(pid)}


def delta(before, after, requests):
    """Per request: CPU µs of the tree, and voluntary switches of all threads and of each."""
    requests = max(requests, 1)
    per_thread = {}
    for name, (vol, invol) in after["threads"].items():
        v0, i0 = before["threads"].get(name, (0, 0))
        per_thread[name] = ((vol - v0) / requests, (invol - i0) / requests)
    return {
        "cpu_us": (after["cpu"] - before["cpu"]) * 1e6 / requests,
        "vcsw": sum(v for v, _ in per_thread.values()),
        "threads": per_thread,
    }
