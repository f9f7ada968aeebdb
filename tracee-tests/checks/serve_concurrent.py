#!/usr/bin/env python3
"""serve_concurrent (driver): many clients at once.

Starts `sysward serve --max-parallel 3` and 20 `sysward submit -r ... -- /bin/true` at the
same time (so most of them queue), plus one with an audit trail and one that exits 3.  Every
client must exit as `sysward run` would (0, and 3), every result record must be whole and
agree with the status, the trail must be a whole trail; then SIGTERM must stop the server
with status 0, its socket and run cgroups removed.
"""
import os
import subprocess
import sys

import common
import serve_lib

N = 20


def main():
    c = common.Checker("serve_concurrent")
    d = sys.argv[1]
    job = serve_lib.copy_job(d)
    srv = serve_lib.Server(d, c, ["--max-parallel", "3"])
    if not srv.ready:
        c.done()
    procs = []
    for i in range(N):
        procs.append(subprocess.Popen(
            [serve_lib.SYSWARD, "submit", "--socket", srv.sock, "-r", f"r{i}.json", "--",
             "/bin/true"], cwd=d, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE))
    procs.append(subprocess.Popen(
        [serve_lib.SYSWARD, "submit", "--socket", srv.sock, "-r", "r-audit.json", "-a",
         "audit.jsonl", "--", job, "exit", "3"], cwd=d, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for i, p in enumerate(procs):
        out, err = p.communicate(timeout=60)
        want = 3 if i == N else 0
        c.check(p.returncode == want, f"client {i} exited {p.returncode}, want {want}: "
                f"{err.decode(errors='replace').strip()}")
    for i in range(N):
        res = common.parse_result(os.path.join(d, f"r{i}.json"), c)
        common.check_status(res, 0, c)
    res = common.parse_result(os.path.join(d, "r-audit.json"), c)
    common.check_status(res, 3, c)
    if res:
        c.check(res.get("verdict") == "nonzero-exit", f"verdict {res.get('verdict')!r}")
    events = common.parse_trail(os.path.join(d, "audit.jsonl"), c)
    execs = [e for e in events if e.get("event") == "exec"]
    c.check(any(job in (e.get("path") or "") for e in execs),
            f"the trail has no exec of {job}: {execs}")
    # still serving after the burst
    r = srv.submit(["--", "/bin/true"], capture_output=True)
    c.check(r.returncode == 0, f"a submit after the burst exited {r.returncode}")
    srv.stop()
    c.done()


if __name__ == "__main__":
    main()
