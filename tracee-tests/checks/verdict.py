#!/usr/bin/env python3
"""verdict: the result record and the trail describe how the program ended, derived from
the exit status of `sysward run`: 0 -> verdict ok; 129..192 -> signaled with signal ==
status - 128; any other -> nonzero-exit with exit_code == status (so a row must not make
its program exit 129..192 on purpose).  The trail has an `exit` event
with the same exit_code or signal.  For rows whose program ends itself in that way (not for
limits or policy kills, which have verdicts of their own).
"""
import sys

import common


def main():
    c = common.Checker("verdict")
    run = common.Run(sys.argv[1], c)
    st, res = run.status, run.result or {}
    if st == 0:
        want = ("ok", 0, None)
    elif 128 < st <= 128 + 64:
        want = ("signaled", None, st - 128)
    else:
        want = ("nonzero-exit", st, None)
    got = (res.get("verdict"), res.get("exit_code"), res.get("signal"))
    c.check(got == want, f"status {st}: result (verdict, exit_code, signal) = {got}, want {want}")
    exits = [e for e in run.of("exit")
             if e.get("exit_code") == want[1] and e.get("signal") == want[2]]
    c.check(exits, f"no exit event with exit_code {want[1]!r} and signal {want[2]!r}: "
            f"{[(e.get('pid'), e.get('exit_code'), e.get('signal')) for e in run.of('exit')]}")
    c.done()


if __name__ == "__main__":
    main()
