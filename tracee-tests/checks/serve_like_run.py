#!/usr/bin/env python3
"""serve_like_run (driver): `sysward submit` behaves like `sysward run`.

Each case runs twice, `sysward run OPTS -- PROG` and `sysward submit --socket S OPTS -- PROG`,
in the same directory with the same stdin, and the two must agree: exit status, stdout,
whether a result record was written and, in it, verdict, exit_code, signal, processes,
policy_sha256 and environment (cgroup, namespaces, landlock); with -a both trails must be
whole.  Cases: exit 0, exit 3, killed by a signal, not found, not executable, a bad policy
file (status 125, no record, the file:line message on stderr), a policy file by relative
path, --env/--clear-env, -C, stdin passed through, a memory limit, --profile audit, --stats,
and what a caller's process passes on without options (umask, resource limits), also
through the default profile (a program process made ahead by the server), --nofile/--fsize,
--net none and an environment too large for the tree's order to fit one message; then a few
of them through a server, clients and `run` of uid 65534.
A --policy-dir policy named by its bare name is checked against `run -p DIR/NAME`.
"""
import os
import resource
import subprocess
import sys

import common
import serve_lib

SAME = ("verdict", "exit_code", "signal", "processes", "policy_sha256")


def compare(c, srv, d, name, opts, prog, stdin=b"", run_opts=None, preexec_fn=None):
    """Run and submit in one directory (the default profile's rules name it, and so does
    policy_sha256); their files are told apart by a suffix."""
    wd = os.path.join(d, name)
    os.makedirs(wd, exist_ok=True)
    os.chmod(wd, 0o777)  # the unprivileged cases write their records here too
    serve_lib.copy_job(wd)
    out = {}
    # submit twice: the first request of a policy (here: of a directory) is run by a worker
    # forked for it, the next one by a spare forked ahead with its launch tree (launch.c)
    for how in ("run", "submit", "submit2"):
        head = [serve_lib.SYSWARD, "run"] if how == "run" else \
            [serve_lib.SYSWARD, "submit", "--socket", srv.sock]
        o = run_opts if (how == "run" and run_opts is not None) else opts
        o = [x.replace("{how}", how) for x in o]
        argv = [os.path.join(wd, "serve-job") if a == "./serve-job" else a for a in prog]
        rec_path = os.path.join(wd, f"r-{how}.json")
        p = subprocess.run([*head, "-r", rec_path, *o, "--", *argv], cwd=wd, input=stdin,
                           capture_output=True, timeout=60, preexec_fn=preexec_fn)
        rec = common.parse_result(rec_path, c) if os.path.exists(rec_path) else None
        trail = None
        if "-a" in o:
            trail = common.parse_trail(os.path.join(wd, f"t-{how}.jsonl"), c)
        out[how] = (p, rec, trail)
    for second in (False, True):
        compare_pair(c, f"{name} (again)" if second else name, out["run"],
                     out["submit2" if second else "submit"])
    return out["run"][0], out["submit"][0]


def compare_pair(c, name, run, submit):
    (rp, rr, rt), (sp, sr, st) = run, submit
    c.check(rp.returncode == sp.returncode,
            f"{name}: run exited {rp.returncode}, submit {sp.returncode} "
            f"(stderr {sp.stderr.decode(errors='replace').strip()[-200:]!r})")
    c.check(rp.stdout == sp.stdout, f"{name}: stdout {rp.stdout[:200]!r} vs {sp.stdout[:200]!r}")
    c.check((rr is None) == (sr is None), f"{name}: run wrote a record: {rr is not None}, "
            f"submit: {sr is not None}")
    if rr and sr:
        for k in SAME:
            c.check(rr.get(k) == sr.get(k), f"{name}: {k}: run {rr.get(k)!r}, submit {sr.get(k)!r}")
        re_, se = rr.get("environment", {}), sr.get("environment", {})
        for k in ("cgroup", "namespaces", "landlock_abi", "privileged"):
            c.check(re_.get(k) == se.get(k), f"{name}: environment.{k}: {re_.get(k)!r} vs {se.get(k)!r}")
        common.check_status(sr, sp.returncode, c)
    if rt is not None and st is not None:
        c.check(bool(rt) and bool(st), f"{name}: an empty trail")


def main():
    c = common.Checker("serve_like_run")
    d = sys.argv[1]
    job = "./serve-job"  # copied into each run's directory (compare)
    pdir = os.path.join(d, "policies")
    os.makedirs(pdir)
    with open(os.path.join(pdir, "jobs.policy"), "w") as f:
        f.write("default deny\n" + "".join(f"allow read {p}/**\n" for p in
                                           ("/usr", "/lib", "/lib64", "/etc", "/proc", d))
                + f"allow exec {d}/**\n")
    with open(os.path.join(d, "bad.policy"), "w") as f:
        f.write("default deny\nallow frobnicate /tmp\n")
    noexec = os.path.join(d, "noexec.sh")
    with open(noexec, "w") as f:
        f.write("#!/bin/sh\n")
    srv = serve_lib.Server(d, c, ["--policy-dir", pdir])
    if not srv.ready:
        c.done()
    compare(c, srv, d, "true", ["-a", "t-{how}.jsonl"], ["/bin/true"])
    compare(c, srv, d, "exit3", [], [job, "exit", "3"])
    compare(c, srv, d, "signal", ["--profile", "audit"], ["/bin/sh", "-c", "kill -9 $$"])
    compare(c, srv, d, "notfound", [], ["/no/such/program"])
    compare(c, srv, d, "noexec", [], [noexec])
    rp, sp = compare(c, srv, d, "badpolicy", ["-p", "../bad.policy"], ["/bin/true"])
    c.check(b"bad.policy:2" in rp.stderr and b"bad.policy:2" in sp.stderr,
            f"badpolicy: the file:line message: run {rp.stderr!r}, submit {sp.stderr!r}")
    compare(c, srv, d, "env", ["--clear-env", "--env", "X=42"], [job, "env", "X"])
    compare(c, srv, d, "env2", ["--env", "HOME=/nowhere"], [job, "env", "HOME"])
    compare(c, srv, d, "chdir", ["-C", "/tmp"], [job, "pwd"])
    compare(c, srv, d, "stdin", [], [job, "cat"], stdin=b"through stdin\n")
    compare(c, srv, d, "memory", ["--memory", "32M"], [job, "mem", "256"])
    compare(c, srv, d, "stats", ["--stats", "--profile", "audit"], ["/bin/true"])

    def inherited():  # what `run` passes on from its caller without an option
        os.umask(0o027)
        resource.setrlimit(resource.RLIMIT_STACK, (4 << 20, 4 << 20))
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, 200))
    compare(c, srv, d, "inherited", ["--profile", "audit"],
            ["/bin/sh", "-c", "umask; ulimit -s; ulimit -n; ulimit -Hn"], preexec_fn=inherited)
    # the same through the default profile: as root the server's program process was made
    # before the request (launch.c, a tree made ahead) and is told all this afterwards
    compare(c, srv, d, "inherited-enforce", [],
            ["/bin/sh", "-c", "umask; ulimit -s; ulimit -n; ulimit -Hn"], preexec_fn=inherited)
    compare(c, srv, d, "limits-enforce", ["--nofile", "64", "--fsize", "1M"],
            ["/bin/sh", "-c", "ulimit -n; ulimit -Hn; ulimit -f; ulimit -c"])
    compare(c, srv, d, "net-none", ["--net", "none"], [job, "exit", "0"])
    # an environment too large for the launch tree's order to be one message (64 KiB): it
    # goes in a memfd; the program sees all of it
    _, sp = compare(c, srv, d, "big-env", ["--env", "BIG=" + "x" * 100000],
                    [job, "env", "BIG"])
    c.check(sp.stdout == b"x" * 100000 + b"\n",
            f"big-env: the program printed {len(sp.stdout)} bytes, not the 100001 given")
    compare(c, srv, d, "policydir", ["-p", "jobs.policy"], [job, "exit", "4"],
            run_opts=["-p", os.path.join(pdir, "jobs.policy")])
    srv.stop()

    if os.geteuid() == 0:
        # an unprivileged server (uid 65534), its clients and `run` too: no run cgroups,
        # no PID namespace, the spares still fork the program process ahead
        def nobody():
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)

        def nobody_inherited():
            inherited()
            nobody()
        ud = os.path.join(d, "unpriv")
        os.makedirs(ud)
        os.chmod(d, 0o755)
        os.chmod(ud, 0o777)
        usrv = serve_lib.Server(ud, c, [], preexec_fn=nobody)
        if usrv.ready:
            compare(c, usrv, ud, "u-true", ["-a", "t-{how}.jsonl"], ["/bin/true"],
                    preexec_fn=nobody)
            compare(c, usrv, ud, "u-exit3", [], [job, "exit", "3"], preexec_fn=nobody)
            compare(c, usrv, ud, "u-stdin", [], [job, "cat"], stdin=b"through stdin\n",
                    preexec_fn=nobody)
            compare(c, usrv, ud, "u-inherited", [],
                    ["/bin/sh", "-c", "umask; ulimit -s; ulimit -n; ulimit -Hn"],
                    preexec_fn=nobody_inherited)
            compare(c, usrv, ud, "u-nofile", ["--nofile", "64"],
                    ["/bin/sh", "-c", "ulimit -n; ulimit -Hn; ulimit -c"], preexec_fn=nobody)
            usrv.stop()
    c.done()


if __name__ == "__main__":
    main()
