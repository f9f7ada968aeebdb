#!/usr/bin/env python3
"""exec_fail: failed execve calls are syscall events, not exec events.  Asserts: the four
failing execve calls (paths /nonexistent-exec-fail, /, DIR/not-a-program,
/nonexistent-exec-fail-thread) each appear as an `execve` syscall event; no `exec` event
names them; exactly one `exec` event has --after in argv; the marker openat calls
exec-ok-0 .. exec-ok-3 are each logged exactly once.
"""
import os
import sys

import common


def main():
    c = common.Checker("exec_fail")
    run = common.Run(sys.argv[1], c)
    bad = ["/nonexistent-exec-fail", "/", os.path.join(os.path.realpath(run.dir), "not-a-program"),
           "/nonexistent-exec-fail-thread"]
    calls = [(e.get("args") or {}) for e in run.syscalls("execve")]
    for p in bad:
        c.check(any(a.get("path") == p or a.get("resolved") == p for a in calls),
                f"no execve syscall event for {p!r}")
    for e in run.of("exec"):
        c.check(e.get("path") not in bad, f"line {e['_line']}: exec event for the failed "
                f"execve of {e.get('path')!r}")
    after = [e for e in run.of("exec") if "--after" in (e.get("argv") or [])]
    c.check(len(after) == 1, f"{len(after)} exec events with --after, want 1")
    for i in range(4):
        n = sum(1 for e in run.syscalls("openat")
                if (e.get("args") or {}).get("path") == f"exec-ok-{i}")
        c.check(n == 1, f"exec-ok-{i}: {n} openat events, want 1")
    c.done()


if __name__ == "__main__":
    main()
