#!/usr/bin/env python3
"""sig_trap: after each self-sent SIGTRAP the program opened trap-000 ... trap-039 with a raw
openat; each must be in the trail exactly once (a tracer confused about syscall entry and
exit logs calls twice, not at all, or with garbage arguments), from one pid, allowed.
"""
import sys

import common

ROUNDS = 40


def main():
    c = common.Checker("sig_trap")
    run = common.Run(sys.argv[1], c)
    by_path = {}
    for e in run.syscalls("openat"):
        p = (e.get("args") or {}).get("path")
        if isinstance(p, str) and p.startswith("trap-"):
            by_path.setdefault(p, []).append(e)
    pids = set()
    for i in range(ROUNDS):
        name = f"trap-{i:03d}"
        evs = by_path.pop(name, [])
        if c.check(len(evs) == 1, f"{name}: {len(evs)} openat events, want 1"):
            pids.add(evs[0].get("pid"))
            c.check(evs[0].get("action") == "allow", f"{name}: action {evs[0].get('action')!r}")
    c.check(not by_path, f"openat of unexpected trap-* paths: {sorted(by_path)[:5]}")
    c.check(len(pids) <= 1, f"trap-* openat from several pids: {pids}")
    c.done()


if __name__ == "__main__":
    main()
