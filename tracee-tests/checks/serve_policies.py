#!/usr/bin/env python3
"""serve_policies (driver): runs of different policies, interleaved, each get their own.

A server caches per policy what it builds once (the policy, its seccomp filter per mode and
backtrace list) and hands requests to workers forked ahead of time.  Two policies of its
--policy-dir differ in one syscall rule: `nouname.policy` denies uname(2) with EACCES,
`open.policy` does not.  Requests alternate between them (and between modes and backtrace
lists, each a filter of its own), sequentially and two at a time, and every run must see
its own policy: `serve-job uname` prints "uname ok" or "uname errno 13", the same as
`sysward run -p DIR/NAME` prints.  Then SIGHUP (which empties the caches and replaces the
workers made ahead) and the same again.
"""
import os
import signal
import subprocess
import sys

import common
import serve_lib

# (policy, extra options, what serve-job uname prints)
CASES = [
    ("open.policy", [], b"uname ok\n"),
    ("nouname.policy", [], b"uname errno 13\n"),
    ("open.policy", ["--mode", "audit"], b"uname ok\n"),
    ("nouname.policy", ["--mode", "audit"], b"uname ok\n"),  # audit: nothing is denied
    ("nouname.policy", ["--backtrace", "uname"], b"uname errno 13\n"),  # judged by the tracer
]


def main():
    c = common.Checker("serve_policies")
    d = sys.argv[1]
    pdir = os.path.join(d, "policies")
    os.makedirs(pdir)
    base = "default deny\n" + "".join(f"allow read {p}/**\n" for p in
                                      ("/usr", "/lib", "/lib64", "/etc", "/proc", d)) + \
        f"allow exec {d}/**\n"
    with open(os.path.join(pdir, "open.policy"), "w") as f:
        f.write(base)
    with open(os.path.join(pdir, "nouname.policy"), "w") as f:
        f.write(base + "deny syscall uname errno=EACCES\n")
    job = serve_lib.copy_job(d)
    srv = serve_lib.Server(d, c, ["--policy-dir", pdir])
    if not srv.ready:
        c.done()

    def submit(pol, opts):
        return srv.submit(["-p", pol, *opts, "--", job, "uname"], capture_output=True)

    # what `sysward run` prints: the reference (it must agree with the table too)
    for pol, opts, want in CASES:
        p = subprocess.run([serve_lib.SYSWARD, "run", "-p", os.path.join(pdir, pol), *opts,
                            "--", job, "uname"], cwd=d, capture_output=True, timeout=60)
        c.check(p.returncode == 0 and p.stdout == want,
                f"run -p {pol} {opts}: status {p.returncode}, stdout {p.stdout!r}, want {want!r}")

    for rnd in ("first", "after SIGHUP"):
        # one after the other, alternating, three times over
        for i in range(3):
            for pol, opts, want in CASES:
                r = submit(pol, opts)
                c.check(r.returncode == 0 and r.stdout == want,
                        f"{rnd}, pass {i}: submit -p {pol} {opts}: status {r.returncode}, "
                        f"stdout {r.stdout!r}, want {want!r} "
                        f"(stderr {r.stderr.decode(errors='replace')[-200:]!r})")
        # two at a time, of the two policies
        for i in range(3):
            procs = [(pol, want, subprocess.Popen(
                [serve_lib.SYSWARD, "submit", "--socket", srv.sock, "-p", pol, "--", job,
                 "uname"], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
                for pol, _opts, want in CASES[:2]]
            for pol, want, p in procs:
                out, err = p.communicate(timeout=60)
                c.check(p.returncode == 0 and out == want,
                        f"{rnd}, concurrent {i}: submit -p {pol}: status {p.returncode}, "
                        f"stdout {out!r}, want {want!r}")
        if rnd == "first":
            srv.p.send_signal(signal.SIGHUP)
            c.check(srv.wait_log("policy directory reloaded", 10),
                    f"no reload message after SIGHUP: {srv.text()[-300:]}")
    srv.stop()
    c.done()


if __name__ == "__main__":
    main()
