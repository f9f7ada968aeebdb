#!/usr/bin/env python3
"""serve_malformed (driver): bad requests are answered and the server goes on serving.

A protocol client written from docs/PROTOCOL.md (serve_lib.Client, Python's SCM_RIGHTS)
talks to one server:
  - the greeting carries protocol 1, the server's pid and a readable (empty) report memfd;
  - a request that is not JSON, one of the wrong types, an unknown policy, a bad limit
    value, a zero-length frame, descriptors the request does not account for: each gets an
    error answer (exit_status 125) and the same connection then runs a good request;
  - an oversized frame (2 MiB announced) and a truncated one (100 bytes announced, 10
    sent, then nothing) are answered and their connection closed within 2 s;
  - a good request with a pipe passed as the program's stdout: the program's output comes
    through the pipe and the answer carries the result record;
  - a client of another uid (the socket opened to all for the test) is refused;
  - and `sysward submit` still works at the end.
"""
import os
import struct
import sys
import time

import common
import serve_lib

ANSWER_TIMEOUT = 2.0


def expect_error(c, cl, what, obj=None, raw=None, fds=(), want=""):
    if raw is not None:
        cl.send_raw(raw, fds)
    else:
        cl.send(obj, fds)
    ans, _ = cl.recv(timeout=ANSWER_TIMEOUT)
    if not c.check(isinstance(ans, dict), f"{what}: no answer"):
        return
    c.check(ans.get("exit_status") == 125 and isinstance(ans.get("error"), str)
            and want in ans.get("error", ""),
            f"{what}: answer {ans!r}, want an error containing {want!r}")


def expect_ok(c, cl, what):
    cl.send(serve_lib.request(["/bin/true"]))
    ans, _ = cl.recv(timeout=30)
    c.check(isinstance(ans, dict) and ans.get("exit_status") == 0
            and isinstance(ans.get("result"), dict) and ans["result"].get("verdict") == "ok",
            f"{what}: a good request on the same connection got {ans!r}")


def main():
    c = common.Checker("serve_malformed")
    d = sys.argv[1]
    srv = serve_lib.Server(d, c)
    if not srv.ready:
        c.done()
    cl = serve_lib.Client(srv.sock)
    g = cl.greeting
    c.check(g.get("protocol") == 1 and g.get("pid") == srv.pid and isinstance(g.get("sysward"), str),
            f"greeting {g!r}")
    c.check(cl.report is not None and os.pread(cl.report, 100, 0) == b"",
            "the greeting carries no (empty) report memfd")

    req = serve_lib.request
    expect_error(c, cl, "not JSON", raw=struct.pack(">I", 9) + b"{argv: 1}", want="not a JSON")
    expect_ok(c, cl, "after not-JSON")
    expect_error(c, cl, "argv a string", obj={"argv": "/bin/true", "cwd": "/"}, want="argv")
    expect_error(c, cl, "cwd relative", obj={"argv": ["/bin/true"], "cwd": "tmp"}, want="cwd")
    expect_error(c, cl, "unknown member", obj=dict(req(["/bin/true"]), colour=1), want="colour")
    expect_error(c, cl, "bad limit type", obj=req(["/bin/true"], limits={"memory": [1]}),
                 want="limits.memory")
    expect_error(c, cl, "bad limit value", obj=req(["/bin/true"], limits={"memory": "lots"}),
                 want="limits.memory")
    expect_error(c, cl, "unknown policy", obj=req(["/bin/true"], policy=["nope.policy"]),
                 want="nope.policy")
    expect_error(c, cl, "unknown profile", obj=req(["/bin/true"], profile="nope"), want="nope")
    expect_error(c, cl, "zero length", raw=struct.pack(">I", 0), want="empty")
    r, w = os.pipe()
    expect_error(c, cl, "fd index not passed", obj=req(["/bin/true"], stdout={"fd": 0}),
                 want="descriptors")
    expect_error(c, cl, "fds not used", obj=req(["/bin/true"]), fds=[r], want="descriptors")
    expect_error(c, cl, "too many fds", obj=req(["/bin/true"], stdout={"fd": 0}),
                 fds=[r, w, r, w], want="descriptors")
    expect_ok(c, cl, "after the errors")

    # a pipe as the program's stdout, on the same connection
    job = serve_lib.copy_job(d)
    cl.send(req([job, "env", "GREETING"], cwd=d, env=["GREETING=hello"], stdout={"fd": 0}),
            fds=[w])
    os.close(w)
    ans, _ = cl.recv(timeout=30)
    c.check(isinstance(ans, dict) and ans.get("exit_status") == 0, f"pipe request: {ans!r}")
    out = os.read(r, 100)
    c.check(out == b"hello\n", f"the program's stdout through the passed pipe: {out!r}")
    os.close(r)
    res = ans.get("result") if isinstance(ans, dict) else None
    c.check(isinstance(res, dict) and res.get("verdict") == "ok"
            and set(common.RESULT_TYPES) <= set(res), f"result record {res!r}")
    cl.close()

    # oversized: answered, then closed
    cl = serve_lib.Client(srv.sock)
    t0 = time.monotonic()
    cl.send_raw(struct.pack(">I", 2 << 20) + b"{")
    ans, _ = cl.recv(timeout=ANSWER_TIMEOUT)
    c.check(isinstance(ans, dict) and "larger than" in ans.get("error", ""), f"oversized: {ans!r}")
    c.check(cl.eof(ANSWER_TIMEOUT), "oversized: the connection stayed open")
    cl.close()

    # truncated: 100 bytes announced, 10 sent, then silence
    cl = serve_lib.Client(srv.sock)
    t0 = time.monotonic()
    cl.send_raw(struct.pack(">I", 100) + b'{"argv":["')
    ans, _ = cl.recv(timeout=ANSWER_TIMEOUT + 1)
    took = time.monotonic() - t0
    c.check(isinstance(ans, dict) and "truncated" in ans.get("error", ""), f"truncated: {ans!r}")
    c.check(took <= ANSWER_TIMEOUT, f"truncated: answered after {took:.2f} s")
    c.check(cl.eof(ANSWER_TIMEOUT), "truncated: the connection stayed open")
    cl.close()

    # another uid: refused (the socket is 0600; opened here so that the check is reached)
    st = os.stat(srv.sock)
    c.check(st.st_mode & 0o777 == 0o600, f"socket mode {oct(st.st_mode & 0o777)}, want 0600")
    if os.geteuid() == 0:
        os.chmod(srv.sock, 0o666)
        os.chmod(d, 0o711)  # the row's directory: let the other uid reach the socket
        rd, wr = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rd)
            try:
                os.setgid(65534)
                os.setuid(65534)
                other = serve_lib.Client(srv.sock)
                msg = other.greeting.get("error", "") if other.greeting else ""
                os.write(wr, (msg + ("|eof" if other.eof(ANSWER_TIMEOUT) else "")).encode())
            except Exception as e:  # noqa: BLE001 (reported to the parent)
                os.write(wr, f"exception {e}".encode())
            os._exit(0)
        os.close(wr)
        os.waitpid(pid, 0)
        got = os.read(rd, 500).decode()
        os.close(rd)
        c.check("permission denied" in got and got.endswith("|eof"),
                f"a client of uid 65534: {got!r}")
        os.chmod(srv.sock, 0o600)
        os.chmod(d, 0o700)

    r = srv.submit(["--", "/bin/true"], capture_output=True)
    c.check(r.returncode == 0, f"`sysward submit` after the bad requests exited {r.returncode}")
    srv.stop()
    c.done()


if __name__ == "__main__":
    main()
