#!/usr/bin/env python3
"""abi_kill: the children that made foreign-ABI calls (killed.txt: `PID SIGNAL`, written by
abi-foreign after each died) have `exit` events with that signal; where a foreign-ABI call
is logged, its arch is i386/x32, its decision kill and its rule builtin; the parent and
the run are unaffected (result processes == 1 + children).
"""
import sys

import common


def main():
    c = common.Checker("abi_kill")
    run = common.Run(sys.argv[1], c)
    killed = [(int(p), int(s)) for p, s in run.lines("killed.txt")]
    c.check(len(killed) >= 2, f"killed.txt lists {len(killed)} children, want >= 2")
    for pid, sig in killed:
        ex = [e for e in run.of("exit") if e.get("pid") == pid]
        if c.check(ex, f"child {pid}: no exit event"):
            c.check(ex[-1].get("signal") == sig,
                    f"child {pid}: exit event signal {ex[-1].get('signal')!r}, want {sig}")
    foreign = [e for e in run.syscalls() if e.get("arch") in ("i386", "x32")]
    for e in foreign:
        c.check(e.get("decision") == "kill" and e.get("rule") == "builtin",
                f"line {e['_line']}: {e.get('arch')} {e.get('syscall')}: decision "
                f"{e.get('decision')!r} rule {e.get('rule')!r}, want kill/builtin")
    if run.result:
        c.check(run.result.get("processes") == 1 + len(killed),
                f"result processes {run.result.get('processes')}, want {1 + len(killed)}")
    c.done()


if __name__ == "__main__":
    main()
