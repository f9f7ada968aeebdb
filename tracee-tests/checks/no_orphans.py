#!/usr/bin/env python3
"""no_orphans (a driver check): sysward leaves no process behind for someone else to reap,
not even a zombie (INTERFACE: "never leaves a process running"; with the PID namespace the
launch child and the namespace's init are sysward's own and die at the end of every run).

This script makes itself a child subreaper (PR_SET_CHILD_SUBREAPER): whatever sysward (or a
server and its workers) leaves behind comes to it instead of to the machine's init.  Once
what it started has exited and been waited for, it has no child left: waitpid(-1, WNOHANG)
must say ECHILD.  A process still alive fails the check, and so does a zombie of sysward's
own (the launch child, the init) or, with the PID namespace, any zombie (the program's
orphans stay in the namespace); without it, a killed orphan of the program goes to its
subreaper like any orphan.  All are reaped here, so nothing stays behind the test either.
Deterministic: an orphan is reparented when its parent exits, before that parent's own exit
is reported.

  run     `sysward run $TT_OPTIONS` of /bin/true five times, of a shell leaving a
          background sleep, and of a program killed by a signal
  serve   a server: submits of the same, through spares; then SIGTERM, and the server
          must exit 0
"""
import ctypes
import os
import signal
import subprocess
import sys

import common
import serve_lib

PR_SET_CHILD_SUBREAPER = 36

CASES = [["/bin/true"]] * 5 + [["/bin/sh", "-c", "sleep 30 & echo started"],
                               ["/bin/sh", "-c", "kill -9 $$"]]


def leftovers():
    """Children that came to us: (pid, comm, alive) each, reaped (killed first if alive)."""
    left = []
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return left
        if info is not None:
            try:
                comm = open(f"/proc/{info.si_pid}/comm").read().strip()
            except OSError:
                comm = "?"
            os.waitpid(info.si_pid, 0)
            left.append((info.si_pid, comm, False))
            continue
        # alive: our own children (their parent pid is ours now), killed, then reaped above
        me = os.getpid()
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                stat = open(f"/proc/{d}/stat").read()
                comm = stat[stat.index("(") + 1:stat.rindex(")")]
                ppid = int(stat.rsplit(") ", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == me:
                left.append((int(d), comm, True))
                os.kill(int(d), signal.SIGKILL)
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT)


def judge(c, when, left, programs_orphans_ok):
    """Alive: always wrong.  A zombie: wrong if it is sysward's own (or, with the PID
    namespace, anything: the program's orphans stay in it); without the namespace a killed
    orphan of the program goes to its subreaper or init like any orphan."""
    for pid, comm, alive in left:
        if alive:
            c.fail(f"{when}: pid {pid} ({comm}) came to us alive")
        elif comm.startswith("sysward") or not programs_orphans_ok:
            c.fail(f"{when}: pid {pid} ({comm}) came to us as a zombie")


def main():
    c = common.Checker("no_orphans")
    d = sys.argv[1]
    mode = os.environ.get("TT_ARGS", "run").split()[0]
    opts = os.environ.get("TT_OPTIONS", "").split()
    nobackstops = "--no-backstops" in opts or os.geteuid() != 0
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        common.skip("PR_SET_CHILD_SUBREAPER refused")
    if mode == "run":
        for argv in CASES:
            p = subprocess.run([serve_lib.SYSWARD, "run", *opts, "--", *argv], cwd=d,
                               capture_output=True, timeout=60)
            c.check(p.returncode in (0, 137), f"run {argv}: status {p.returncode}: "
                    f"{p.stderr.decode(errors='replace')[-300:]!r}")
            judge(c, f"after `run {' '.join(argv)}`", leftovers(), nobackstops)
    else:
        srv = serve_lib.Server(d, c)
        if not srv.ready:
            c.done()
        for argv in CASES:
            r = srv.submit([*opts, "--", *argv], capture_output=True)
            c.check(r.returncode in (0, 137), f"submit {argv}: status {r.returncode}")
        srv.stop()
        judge(c, "after the server's runs and its SIGTERM", leftovers(), nobackstops)
    c.done()


if __name__ == "__main__":
    main()
