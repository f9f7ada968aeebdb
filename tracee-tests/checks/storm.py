#!/usr/bin/env python3
"""storm: after `storm procs N` the result counts N+1 processes; after `storm threads N` one
process; the verdict is ok and sysward itself stayed small (the result's own fields are
checked by common.py)."""
import json
import os
import sys

import common


def main():
    c = common.Checker("storm")
    d = sys.argv[1]
    res = json.load(open(os.path.join(d, "result.json")))
    args = os.environ.get("TT_ARGS", "").split()
    c.check(res["verdict"] == "ok", f"verdict {res['verdict']}: {res['message']}")
    if len(args) == 2 and args[0] == "procs":
        c.check(res["processes"] == int(args[1]) + 1,
                f"processes {res['processes']}, want {int(args[1]) + 1}")
    if len(args) == 2 and args[0] == "threads":
        c.check(res["processes"] == 1, f"processes {res['processes']}, want 1 (threads are not)")
        spawns = sum(1 for l in open(os.path.join(d, "audit.jsonl"))
                     if '"event":"spawn"' in l and '"thread":true' in l)
        c.check(spawns == int(args[1]), f"{spawns} thread spawn events, want {args[1]}")
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
