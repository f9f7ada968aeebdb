#!/usr/bin/env python3
"""serve_server_killed (driver; TT_ARGS: kill | segv): no job survives its server.

A client runs tree-block (5 processes, a setsid double-forked daemon among them) through a
server; the check holds the tree by pidfds and then kills the server: with SIGKILL (`kill`),
or with SIGSEGV (`segv`, a crash: its handler writes the crash report into the memfd every
client holds).  Every process of the tree must be gone within 2 s; the client must exit 125
and say why (for `segv`: the crash report).  A new server on the same socket path must start
(the dead one's socket is stale), remove the run cgroups the dead one left before it accepts,
and serve.
"""
import os
import resource
import signal
import subprocess
import sys
import uuid

import common
import serve_lib

GONE_TIMEOUT = 2.0


def no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main():
    c = common.Checker("serve_server_killed")
    d = sys.argv[1]
    mode = (os.environ.get("TT_ARGS") or "kill").strip()
    sig = signal.SIGSEGV if mode == "segv" else signal.SIGKILL
    srv = serve_lib.Server(d, c, preexec_fn=no_core)
    if not srv.ready:
        c.done()
    token = f"serve-killed-{uuid.uuid4().hex}"
    prog = os.path.join(serve_lib.TT_BIN, "tree-block")
    cl = subprocess.Popen([serve_lib.SYSWARD, "submit", "--socket", srv.sock, "--profile",
                           "audit", "--", prog, token], cwd=d, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tree = {}
    try:
        lines = serve_lib.read_lines_until(cl.stdout.fileno(), b"ready", 30, c)
        if lines is not None:
            pids = [int(x[4:]) for x in lines if x.startswith(b"pid ")]
            tree = serve_lib.tree_of(token, exclude={cl.pid})
            c.check(len(tree) == 5, f"found {sorted(tree)} in /proc, reported {pids}")
            c.check(serve_lib.run_cgroups(srv.pid), "the server has no run cgroups")
            st = srv.kill(sig)  # the moment of the test
            c.check(st == -sig, f"the server ended with {st}, want {-sig}")
            alive = serve_lib.wait_gone(tree, GONE_TIMEOUT)
            for pid in alive:
                c.fail(f"pid {pid} still alive {GONE_TIMEOUT} s after the server was killed")
            _, err = cl.communicate(timeout=10)
            err = err.decode(errors="replace")
            c.check(cl.returncode == 125, f"the client exited {cl.returncode}, want 125")
            want = "crashed with signal 11" if mode == "segv" else "without answering"
            c.check(want in err, f"the client's message {err.strip()!r} lacks {want!r}")
    finally:
        if cl.poll() is None:
            cl.kill()
            cl.wait()
        serve_lib.kill_all(tree)
        if srv.p.poll() is None:
            srv.kill()

    # a restart on the same path: stale socket replaced, leftovers removed before it serves
    c.check(os.path.exists(srv.sock), "the killed server's socket is gone (test premise)")
    again = serve_lib.Server(d, c)
    if again.ready:
        left = serve_lib.run_cgroups(srv.pid)
        c.check(not left, f"the restarted server left the dead one's cgroups: {left}")
        r = again.submit(["--", "/bin/true"], capture_output=True)
        c.check(r.returncode == 0, f"a submit to the restarted server exited {r.returncode}: "
                f"{r.stderr.decode(errors='replace')}")
        again.stop()
    c.done()


if __name__ == "__main__":
    main()
