#!/usr/bin/env python3
"""limits_check: the check of a plain (non-driver) row of tracee-tests/limits/expected.tsv.
The harness ran `sysward run` in DIR; this derives the row's expectation from its program,
arguments and options (TT_PROGRAM, TT_ARGS, TT_OPTIONS) and asserts it with limits_lib
(see there): verdict, exit status, statistics, side effects (files, cgroups removed), the
`limit` audit event and environment.cgroup.  The backend expected is the one sysward picks
by itself here (SYSWARD_CGROUP in the environment, else from the mounts), `none` when not
root.
"""
import os
import sys

import common
import limits_lib as L


def main():
    d = sys.argv[1]
    c = common.Checker("limits_check")
    run = common.Run(d, c)
    forced = os.environ.get("SYSWARD_CGROUP")
    if os.geteuid() != 0:
        backend = None  # whatever the machine delegates
    elif forced:
        backend = forced
    elif os.environ.get("SYSWARD_CGROUP_ROOT"):
        backend = "v2"
    else:
        backend = L.auto_backend()
    x = L.Ctx(c, d, run, run.status, run.text("stdout"), run.text("stderr"),
              os.environ["TT_PROGRAM"], os.environ.get("TT_ARGS", ""),
              os.environ.get("TT_OPTIONS", ""), backend, os.geteuid() == 0,
              L.sysward_pid_of(run))
    L.check_all(x)
    c.done()


if __name__ == "__main__":
    main()
