#!/usr/bin/env python3
"""serve_sigterm (driver): SIGTERM shuts the server down in order.

--shutdown kill (the default): with tree-block running for a client, SIGTERM makes the
server stop accepting, kill the run (its client still gets the answer: status 137, a result
record saying sysward received signal 15), remove its socket and run cgroups, and exit 0;
the tree is gone within 2 s.
--shutdown finish: a run in progress (serve-job cat, fed through the client's stdin) ends by
itself after SIGTERM, with its normal result, while the socket is already gone; then the
server exits 0.
"""
import os
import signal
import subprocess
import sys
import uuid

import common
import serve_lib

GONE_TIMEOUT = 2.0


def kill_mode(c, d):
    wd = os.path.join(d, "kill")
    os.makedirs(wd)
    srv = serve_lib.Server(wd, c)
    if not srv.ready:
        return
    token = f"serve-sigterm-{uuid.uuid4().hex}"
    prog = os.path.join(serve_lib.TT_BIN, "tree-block")
    cl = subprocess.Popen([serve_lib.SYSWARD, "submit", "--socket", srv.sock, "-r", "r.json",
                           "--profile", "audit", "--", prog, token], cwd=wd,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    tree = {}
    try:
        if serve_lib.read_lines_until(cl.stdout.fileno(), b"ready", 30, c) is not None:
            tree = serve_lib.tree_of(token, exclude={cl.pid})
            c.check(len(tree) == 5, f"found {sorted(tree)} in /proc")
            srv.p.send_signal(signal.SIGTERM)
            alive = serve_lib.wait_gone(tree, GONE_TIMEOUT)
            for pid in alive:
                c.fail(f"pid {pid} still alive {GONE_TIMEOUT} s after SIGTERM to the server")
            cl.communicate(timeout=10)
            c.check(cl.returncode == 137, f"the client exited {cl.returncode}, want 137")
            res = common.parse_result(os.path.join(wd, "r.json"), c)
            if res:
                c.check(res.get("signal") == 9 and "signal 15" in res.get("message", ""),
                        f"result record {res!r}")
    finally:
        if cl.poll() is None:
            cl.kill()
            cl.wait()
        serve_lib.kill_all(tree)
    srv.stop()


def finish_mode(c, d):
    wd = os.path.join(d, "finish")
    os.makedirs(wd)
    job = serve_lib.copy_job(wd)
    srv = serve_lib.Server(wd, c, ["--shutdown", "finish"])
    if not srv.ready:
        return
    cl = subprocess.Popen([serve_lib.SYSWARD, "submit", "--socket", srv.sock, "-r", "r.json",
                           "--", job, "cat"], cwd=wd, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        cl.stdin.write(b"one\n")
        cl.stdin.flush()
        if serve_lib.read_lines_until(cl.stdout.fileno(), b"one", 30, c) is None:
            cl.kill()
            srv.stop()
            return
        srv.p.send_signal(signal.SIGTERM)
        # the socket goes at once; the run goes on
        c.check(srv.wait_log("shutting down", 5), "the server did not log its shutdown")
        gone = not os.path.exists(srv.sock)
        c.check(gone, "the server still accepts connections after SIGTERM")
        c.check(srv.p.poll() is None, "the server did not wait for its running job")
        cl.stdin.write(b"two\n")
        cl.stdin.close()
        out, err = cl.stdout.read(), cl.stderr.read()
        cl.wait(timeout=30)
        c.check(cl.returncode == 0 and out == b"two\n",
                f"the run after SIGTERM: status {cl.returncode}, stdout {out!r}, {err!r}")
        res = common.parse_result(os.path.join(wd, "r.json"), c)
        if res:
            c.check(res.get("verdict") == "ok", f"verdict {res.get('verdict')!r}")
    finally:
        if cl.poll() is None:
            cl.kill()
            cl.wait()
    srv.stop()


def main():
    c = common.Checker("serve_sigterm")
    d = sys.argv[1]
    kill_mode(c, d)
    finish_mode(c, d)
    c.done()


if __name__ == "__main__":
    main()
