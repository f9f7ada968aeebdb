#!/usr/bin/env python3
"""pidns: the PID namespace backstop as the trail and the machine show it (rows of
tracee-tests/pidns.c).  With `--no-backstops` (or not root) the start record lists no `pid`
namespace; otherwise it does, the program's exec record carries `nspid` 2 (what it saw as its
pid, also printed as `pid N` on stdout) and its tracer pid is the program's `pid`/`tid`; the
launch child and the namespace's init leave no record (no `spawn` of the program, no `exit`
but the program's own, `processes` counts the program's processes only).  In both cases no
process called pidns-daemon (the row's double-forked daemon) is alive after the run (a zombie
is not: without the namespace the machine's init reaps it when it gets to it).
"""
import os
import sys

import common


def main():
    c = common.Checker("pidns")
    run = common.Run(sys.argv[1], c)
    start = run.of("start")[0]
    env = start.get("environment", {})
    ns = "--no-backstops" not in open(os.path.join(sys.argv[1], "cmd")).read() and \
        env.get("privileged")
    c.check(("pid" in env.get("namespaces", [])) == bool(ns),
            f"namespaces {env.get('namespaces')} (pid namespace expected: {bool(ns)})")
    execs = run.of("exec")
    c.check(execs, "no exec record")
    printed = [ln[1] for ln in run.lines("stdout") if len(ln) == 2 and ln[0] == "pid"]
    if ns and execs:
        first = execs[0]
        c.check(first.get("nspid") == 2, f"first exec record's nspid: {first.get('nspid')}")
        c.check(printed in ([], ["2"]), f"the program printed its pid as {printed}, want 2")
        end = run.of("end")[0]
        c.check(end.get("pid") == first.get("pid"),
                f"end record pid {end.get('pid')} is not the program's {first.get('pid')}")
        spawned = {e.get("child") for e in run.of("spawn")}
        c.check(first.get("pid") not in spawned, "the program process has a spawn record")
        exits = {e.get("pid") for e in run.of("exit")}
        known = spawned | {first.get("pid")}
        c.check(exits <= known, f"exit records of tasks never spawned: {exits - known}")
        procs = (run.result or {}).get("processes")
        want = 1 + sum(1 for e in run.of("spawn") if not e.get("thread"))
        c.check(procs == want, f"processes {procs}, want {want}")
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                comm = open(f"/proc/{d}/comm").read().strip()
                state = open(f"/proc/{d}/stat").read().rsplit(") ", 1)[1][0]
            except (OSError, IndexError):
                continue
            # a zombie is dead: without the namespace, the machine's init reaps it later
            c.check(comm != "pidns-daemon" or state in "ZX",
                    f"the double-forked daemon lives on as pid {d} (state {state})")
    c.done()


if __name__ == "__main__":
    main()
