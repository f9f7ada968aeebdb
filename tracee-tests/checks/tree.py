#!/usr/bin/env python3
"""tree: every task a process-tree program (tree, fork-storm) created has its `spawn`
event, and `processes` counts processes, not threads.

pids.txt (written by the program): `self PID`, `expect NPROCESSES NTHREADS` (how many it
will create, so that a program that recorded too little is caught), `process PARENT CHILD`,
`thread PID TID`.
Asserts: each recorded child has exactly one spawn event with child == CHILD, the right
`thread` flag and pid == the creating process; no spawn event names a task the program did
not create (one for the first process itself is allowed); each recorded process has an
`exit` event; each `exec-child` line has an `exec` event with --exec-child; result
`processes` is 1 + the number of child processes.
"""
import sys
from collections import defaultdict

import common


def main():
    c = common.Checker("tree")
    run = common.Run(sys.argv[1], c)
    recs = run.lines("pids.txt")
    selfs = [int(r[1]) for r in recs if r[0] == "self"]
    procs = [(int(r[1]), int(r[2])) for r in recs if r[0] == "process"]
    threads = [(int(r[1]), int(r[2])) for r in recs if r[0] == "thread"]
    c.check(len(selfs) == 1, f"pids.txt: {len(selfs)} self lines")
    expect = [(int(r[1]), int(r[2])) for r in recs if r[0] == "expect"]
    if not c.check(len(expect) == 1, f"pids.txt: {len(expect)} expect lines, want 1"):
        c.done()
    want_p, want_t = expect[0]
    c.check(len(procs) == want_p, f"pids.txt: {len(procs)} processes, want {want_p}")
    c.check(len(threads) == want_t, f"pids.txt: {len(threads)} threads, want {want_t}")

    spawns = defaultdict(list)
    for e in run.of("spawn"):
        spawns[e.get("child")].append(e)
    for kind, recs_, is_thread in (("process", procs, False), ("thread", threads, True)):
        for parent, child in recs_:
            evs = spawns.get(child, [])
            if not c.check(len(evs) == 1, f"{kind} {child} (created by {parent}): "
                           f"{len(evs)} spawn events, want 1"):
                continue
            e = evs[0]
            c.check(e.get("thread") is is_thread,
                    f"spawn of {kind} {child}: thread={e.get('thread')!r}, want {is_thread}")
            c.check(e.get("pid") == parent,
                    f"spawn of {kind} {child}: pid {e.get('pid')} (creator), want {parent}")
    known = {ch for _, ch in procs} | {ch for _, ch in threads} | set(selfs)
    for child, evs in spawns.items():
        c.check(child in known, f"spawn of {child} (line {evs[0]['_line']}): "
                "a task the program did not create")
        if child in selfs:
            c.check(len(evs) == 1, f"{len(evs)} spawn events for the first process")

    exited = {e.get("pid") for e in run.of("exit")}
    for parent, child in procs:
        c.check(child in exited, f"process {child} has no exit event")

    # children that exec'd themselves with --exec-child (the vfork+exec child of `tree`)
    want_execs = sum(1 for r in recs if r[0] == "exec-child")
    execs = [e for e in run.of("exec") if "--exec-child" in (e.get("argv") or [])]
    c.check(len(execs) == want_execs,
            f"{len(execs)} exec events with --exec-child, want {want_execs}")
    for e in execs:
        c.check(e.get("pid") in {ch for _, ch in procs},
                f"exec --exec-child by pid {e.get('pid')}, not a recorded child")

    if run.result:
        want = 1 + len(procs)
        c.check(run.result.get("processes") == want,
                f"result processes = {run.result.get('processes')}, want {want} "
                f"(threads: {len(threads)} must not count)")
    c.done()


if __name__ == "__main__":
    main()
