#!/usr/bin/env python3
"""kill_tracer (a driver check: the row's expected-status is `driver`): SIGKILL of sysward
ends the whole traced tree (INTERFACE; THREATS B "tracer gone", G "escaping teardown").

Runs `$SYSWARD run -a DIR/audit.jsonl -r DIR/result.json $TT_OPTIONS -- $TT_PROGRAM
$TT_ARGS TOKEN` in DIR with stdout on a pipe; TOKEN is a unique string that every process
of the tree carries in its argv (fork keeps it).  The program (tree-block) prints `pid N`
for each of its 5 processes (blocked, spinning, signal-ignoring, a setsid double-forked
daemon) and `ready`.  The driver then finds the tree from the outside by TOKEN in
/proc/*/cmdline (so a PID namespace, where the printed pids differ, changes nothing),
takes a pidfd of each process and re-checks its cmdline through /proc, SIGKILLs sysward,
and waits with poll() (no sleeps) until every pidfd is readable (the process exited), for
at most 10 s.  The trail a killed sysward leaves must be whole JSON lines starting with
`start`, and, sysward being killed, have no `end`.
Only processes this script started are ever signalled: sysward by its pid, survivors of
the tree (to clean up after a failure) by their pidfds.
"""
import os
import select
import subprocess
import sys
import time
import uuid

import common

READY_TIMEOUT = 30
GONE_TIMEOUT = 10




def tree_pids(token, sysward_pid, prog):
    """Processes whose argv carries token and that run prog (sysward itself excluded)."""
    exe = os.path.realpath(prog)
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == sysward_pid:
            continue
        if token not in common.cmdline(int(name)):
            continue
        try:
            if os.readlink(f"/proc/{name}/exe") != exe:
                continue
        except OSError:
            continue
        out.append(int(name))
    return out


def main():
    c = common.Checker("kill_tracer")
    d = sys.argv[1]
    prog = os.environ["TT_PROGRAM"]
    token = f"kill-tracer-{uuid.uuid4().hex}"
    cmd = [os.environ["SYSWARD"], "run", "-a", os.path.join(d, "audit.jsonl"),
           "-r", os.path.join(d, "result.json"), *os.environ.get("TT_OPTIONS", "").split(),
           "--", prog, *os.environ.get("TT_ARGS", "").split(), token]
    with open(os.path.join(d, "cmd"), "w") as f:
        f.write(" ".join(cmd) + "\n")
    err = open(os.path.join(d, "stderr"), "wb")
    sw = subprocess.Popen(cmd, cwd=d, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=err)
    pidfds = {}
    try:
        # read "pid N" lines until "ready", with a deadline
        pids, buf, ready = [], b"", False
        deadline = time.monotonic() + READY_TIMEOUT
        fd = sw.stdout.fileno()
        while not ready:
            left = deadline - time.monotonic()
            if left <= 0:
                c.fail(f"no 'ready' from the program within {READY_TIMEOUT}s; got {buf!r}")
                break
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                c.fail(f"sysward's stdout closed before 'ready' (sysward status "
                       f"{sw.wait()}); got {buf!r}")
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line == b"ready":
                    ready = True
                elif line.startswith(b"pid "):
                    pids.append(int(line[4:]))
        if ready:
            c.check(len(pids) == 5, f"the program reported {len(pids)} pids, want 5")
            for pid in tree_pids(token, sw.pid, prog):
                try:
                    pfd = os.pidfd_open(pid)
                except OSError:
                    continue  # already gone
                if token in common.cmdline(pid):  # still the same process now that we hold it
                    pidfds[pid] = pfd
                else:
                    os.close(pfd)
            found = sorted(pidfds)
            if sorted(pids) != found:
                c.check(len(found) == len(pids), f"found {len(found)} processes of the tree "
                        f"in /proc ({found}), the program reported {len(pids)} ({pids})")
            # the moment of the test
            sw.kill()
            sw.wait()
            for pid in common.wait_gone(pidfds, GONE_TIMEOUT):
                try:
                    st = open(f"/proc/{pid}/stat").read().split(") ", 1)[1][0]
                except (OSError, IndexError):
                    st = "?"
                c.fail(f"pid {pid} (state {st}) still alive {GONE_TIMEOUT}s after sysward "
                       "was killed")
    finally:
        if sw.poll() is None:
            sw.kill()
            sw.wait()
        common.kill_all(pidfds)  # clean up survivors: ours, by pidfd
        err.close()

    events = common.parse_trail(os.path.join(d, "audit.jsonl"), c, require_end=False)
    c.check(not [e for e in events if e.get("event") == "end"],
            "the trail of a killed sysward has an end event")
    c.done()


if __name__ == "__main__":
    main()
