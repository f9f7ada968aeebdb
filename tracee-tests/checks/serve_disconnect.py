#!/usr/bin/env python3
"""serve_disconnect (driver): a client that goes away takes its run with it.

`sysward submit --profile audit -- tree-block TOKEN` through a server: tree-block starts 5
processes (blocked, spinning, signal-ignoring, a setsid double-forked daemon) and prints
`pid N` lines and `ready` on the client's stdout (the descriptor the client passed).  The
check finds the tree from the outside by TOKEN, holds each process by a pidfd, notes the run
cgroups it is in and its worker, SIGKILLs the client, and then waits (poll on pidfds: no
sleeps) for every process to be gone within 2 s, and for the worker to end: by then the
run's cgroups must be removed.  The server must go on serving.
"""
import os
import signal
import subprocess
import sys
import uuid

import common
import serve_lib

GONE_TIMEOUT = 2.0


def main():
    c = common.Checker("serve_disconnect")
    d = sys.argv[1]
    srv = serve_lib.Server(d, c)
    if not srv.ready:
        c.done()
    token = f"serve-disconnect-{uuid.uuid4().hex}"
    prog = os.path.join(serve_lib.TT_BIN, "tree-block")
    cl = subprocess.Popen([serve_lib.SYSWARD, "submit", "--socket", srv.sock, "--profile",
                           "audit", "--", prog, token], cwd=d, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tree, workers = {}, {}
    try:
        lines = serve_lib.read_lines_until(cl.stdout.fileno(), b"ready", 30, c)
        if lines is not None:
            pids = [int(x[4:]) for x in lines if x.startswith(b"pid ")]
            tree = serve_lib.tree_of(token, exclude={cl.pid})
            c.check(sorted(tree) == sorted(pids),
                    f"the tree in /proc {sorted(tree)} is not what it reported {sorted(pids)}")
            dirs = [x for x in serve_lib.cgroup_dirs_of(pids[0]) if f"/srv{srv.pid}-" in x]
            c.check(dirs, f"the run is in no run cgroup of the server: "
                    f"{serve_lib.cgroup_dirs_of(pids[0])}")
            workers = serve_lib.workers_of(srv.pid)
            c.check(len(workers) == 1, f"workers of the server: {sorted(workers)}")
            cl.kill()  # the moment of the test
            cl.wait()
            alive = serve_lib.wait_gone(tree, GONE_TIMEOUT)
            for pid in alive:
                c.fail(f"pid {pid} still alive {GONE_TIMEOUT} s after its client was killed")
            # the worker removes the run's cgroups before it exits
            busy = serve_lib.wait_gone(workers, GONE_TIMEOUT)
            c.check(not busy, f"the worker {sorted(busy)} did not end")
            left = [x for x in dirs if os.path.exists(x)]
            c.check(not left, f"run cgroups not removed after the client left: {left}")
    finally:
        if cl.poll() is None:
            cl.kill()
            cl.wait()
        serve_lib.kill_all(tree)
        for fd in workers.values():
            os.close(fd)
    r = srv.submit(["--", "/bin/true"], capture_output=True)
    c.check(r.returncode == 0, f"a submit after the disconnect exited {r.returncode}")
    srv.stop()
    c.check("cannot remove" not in srv.text(), f"server log: {srv.text()[-500:]}")
    c.done()


if __name__ == "__main__":
    main()
