#!/usr/bin/env python3
"""refusals: where built-in refusals are logged (INTERFACE: "their rule is builtin"), the
record says so: rule builtin, action deny, errno EPERM (clone3: ENOSYS).  And the refused
clones made no task: the program forks exactly 2 children of its own (for PTRACE_TRACEME
and seccomp strict mode), so there are exactly 2 process spawns and processes == 3.
"""
import sys

import common

EPERM_CALLS = {"ptrace", "seccomp", "io_uring_setup", "io_uring_enter", "io_uring_register",
               "process_vm_writev", "init_module", "finit_module", "delete_module",
               "kexec_load", "kexec_file_load", "reboot"}


def main():
    c = common.Checker("refusals")
    run = common.Run(sys.argv[1], c)
    for e in run.syscalls():
        name = e.get("syscall")
        want = "ENOSYS" if name == "clone3" else "EPERM" if name in EPERM_CALLS else None
        if want is None:
            continue
        got = (e.get("rule"), e.get("action"), e.get("errno"))
        c.check(got == ("builtin", "deny", want),
                f"line {e['_line']}: {name}: (rule, action, errno) = {got}, "
                f"want ('builtin', 'deny', {want!r})")
    procs = [e for e in run.of("spawn") if e.get("thread") is False]
    c.check(len(procs) == 2, f"{len(procs)} process spawns, want 2: "
            f"{[(e.get('pid'), e.get('child')) for e in procs]}")
    if run.result:
        c.check(run.result.get("processes") == 3,
                f"result processes {run.result.get('processes')}, want 3")
    c.done()


if __name__ == "__main__":
    main()
