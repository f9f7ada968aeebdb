#!/usr/bin/env python3
"""one_stop: stats.one_stop_calls of the result record (sysward run --stats) against the bound
one-stop printed ("one-stop: at-least K" or "one-stop: at-most K"), and the trapped calls
counted in the same record at least as many.
"""
import os
import sys

import common


def main():
    c = common.Checker("one_stop")
    d = sys.argv[1]
    run = common.Run(d, c)
    r = run.result
    if r is None:
        c.done()
    want = None
    with open(os.path.join(d, "stdout"), errors="replace") as f:
        for ln in f:
            if ln.startswith("one-stop: "):
                kind, k = ln.split()[1:3]
                want = (kind, int(k))
    c.check(want is not None, "the program printed no one-stop bound")
    stats = r.get("stats") or {}
    got = stats.get("one_stop_calls")
    c.check(common.is_int(got), f"stats.one_stop_calls {got!r}, want an integer")
    if want and common.is_int(got):
        kind, k = want
        if kind == "at-least":
            c.check(got >= k, f"one_stop_calls {got}, want at least {k}")
        else:
            c.check(got <= k, f"one_stop_calls {got}, want at most {k}")
        calls = sum(s.get("calls", 0) for s in stats.get("syscalls", []))
        c.check(calls >= got, f"one_stop_calls {got} above the {calls} trapped calls")
    c.done()


if __name__ == "__main__":
    main()
