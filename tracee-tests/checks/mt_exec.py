#!/usr/bin/env python3
"""mt_exec: after a non-leader thread execs, the trail attributes the new image to the
leader's pid.

mt-exec.txt (written by the program): `exe PATH`, `leader PID`, `thread TID` (the exec'ing
thread's tid before the exec).  Asserts: exactly one `exec` event with `--after` in argv,
with pid == leader and path == PATH; the new image's openat of mt-exec-marker is logged
once, with pid == tid == leader; no event after the exec names the vanished tid; result
`processes` is 1.
"""
import sys

import common


def main():
    c = common.Checker("mt_exec")
    run = common.Run(sys.argv[1], c)
    info = {r[0]: r[1] for r in run.lines("mt-exec.txt") if len(r) == 2}
    if not c.check({"exe", "leader", "thread"} <= info.keys(), f"mt-exec.txt incomplete: {info}"):
        c.done()
    leader, old_tid, exe = int(info["leader"]), int(info["thread"]), info["exe"]

    execs = [e for e in run.of("exec") if "--after" in (e.get("argv") or [])]
    if c.check(len(execs) == 1, f"{len(execs)} exec events with --after, want 1"):
        x = execs[0]
        c.check(x.get("pid") == leader,
                f"exec event pid {x.get('pid')} (tid {x.get('tid')}), want the leader {leader}"
                f" (the exec'ing thread was {old_tid})")
        c.check(x.get("path") == exe, f"exec event path {x.get('path')!r}, want {exe!r}")
        c.check(x.get("argv") == ["mt-exec", "--after", str(leader), str(old_tid)],
                f"exec event argv {x.get('argv')!r}")
        after = [e for e in run.events if e["_line"] > x["_line"]]
        stale = [e for e in after if e.get("tid") == old_tid or e.get("pid") == old_tid]
        c.check(not stale, f"{len(stale)} events after the exec name the vanished tid "
                f"{old_tid}, first: line {stale[0]['_line'] if stale else 0}")

    marks = [e for e in run.syscalls("openat")
             if (e.get("args") or {}).get("path") == "mt-exec-marker"]
    if c.check(len(marks) == 1, f"{len(marks)} openat events for mt-exec-marker, want 1"):
        m = marks[0]
        c.check(m.get("pid") == leader and m.get("tid") == leader,
                f"marker openat by pid {m.get('pid')} tid {m.get('tid')}, want {leader}/{leader}")
    if run.result:
        c.check(run.result.get("processes") == 1,
                f"result processes = {run.result.get('processes')}, want 1")
    c.done()


if __name__ == "__main__":
    main()
