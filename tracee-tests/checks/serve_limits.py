#!/usr/bin/env python3
"""serve_limits (driver): one run hitting each limit while the others succeed.

Through one server (--max-parallel 12, so they all run at once), submit together:
memory (--memory 32M, touches 256 MiB), CPU time (--cpu-time 0.3, spins), wall time
(--wall-time 0.5, blocks), pids (--pids 8, forks 50), file size (--fsize 5M, writes 8 MB),
and six runs that end by themselves.  Each must end with its own verdict and the exit status
`sysward run` gives for it; the successes must not notice the others.
"""
import os
import subprocess
import sys

import common
import serve_lib


def main():
    c = common.Checker("serve_limits")
    d = sys.argv[1]
    job = serve_lib.copy_job(d)
    cases = [  # name, options, program, verdicts, statuses
        ("memory", ["--memory", "32M"], [job, "mem", "256"], {"memory-limit"}, {137}),
        ("cpu", ["--cpu-time", "0.3"], [job, "spin"], {"cpu-time-limit"}, {137}),
        ("wall", ["--wall-time", "0.5"], [job, "block"], {"wall-time-limit"}, {137}),
        ("pids", ["--pids", "8"], [job, "fork", "50"], {"pids-limit"}, {137, 1}),
        # (below 4 MiB the run cannot even start: the tracer's arena is a 4 MiB file)
        ("fsize", ["--fsize", "5M"], [job, "write", "8000000"], {"output-limit"}, {153}),
    ]
    for i in range(5):
        cases.append((f"true{i}", [], ["/bin/true"], {"ok"}, {0}))
    cases.append(("exit5", [], [job, "exit", "5"], {"nonzero-exit"}, {5}))
    srv = serve_lib.Server(d, c, ["--max-parallel", "12"])
    if not srv.ready:
        c.done()
    procs = []
    for name, opts, prog, _, _ in cases:
        procs.append(subprocess.Popen(
            [serve_lib.SYSWARD, "submit", "--socket", srv.sock, "-r", f"r-{name}.json", *opts,
             "--", *prog], cwd=d, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    for (name, _, _, verdicts, statuses), p in zip(cases, procs):
        _, err = p.communicate(timeout=60)
        c.check(p.returncode in statuses, f"{name}: exit status {p.returncode}, want one of "
                f"{sorted(statuses)}: {err.decode(errors='replace').strip()[-300:]}")
        res = common.parse_result(os.path.join(d, f"r-{name}.json"), c)
        if res:
            c.check(res.get("verdict") in verdicts,
                    f"{name}: verdict {res.get('verdict')!r}, want {sorted(verdicts)} "
                    f"({res.get('message')!r})")
            if res.get("verdict") != "pids-limit":
                common.check_status(res, p.returncode, c)
    r = srv.submit(["--", "/bin/true"], capture_output=True)
    c.check(r.returncode == 0, f"a submit after the limits exited {r.returncode}")
    srv.stop()
    c.done()


if __name__ == "__main__":
    main()
