#!/usr/bin/env python3
"""trail_if_any: for runs where the program never started (126, 127): whatever sysward did
write is well formed.  If audit.jsonl exists and is not empty it must pass the common trail
checks (start ... end); if result.json exists it must have every key, and a verdict that is
not `ok`.
"""
import os
import sys

import common


def main():
    c = common.Checker("trail_if_any")
    d = sys.argv[1]
    a = os.path.join(d, "audit.jsonl")
    if os.path.exists(a) and os.path.getsize(a) > 0:
        common.parse_trail(a, c)
    r = os.path.join(d, "result.json")
    if os.path.exists(r):
        res = common.parse_result(r, c)
        if res:
            c.check(res.get("verdict") != "ok", f"verdict ok for status {common.read_status(d)}")
    c.done()


if __name__ == "__main__":
    main()
