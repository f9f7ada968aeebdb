#!/usr/bin/env python3
"""result_record: the result record of result-record (3 children and the parent each burn
~0.07 s of user CPU, nothing denied, exit 0): cpu_time_s >= 0.15 (so children count),
user_time_s >= 0.1, processes == 4, trapped_syscalls > 0, denied_syscalls == 0, verdict
ok, exit_code 0, signal null, peak_memory_bytes > 0, wall_time_s > 0; sanity upper bounds
of 30 s; 3 process spawns in the trail.
"""
import sys

import common


def main():
    c = common.Checker("result_record")
    run = common.Run(sys.argv[1], c)
    r = run.result
    if r is None:
        c.done()
    cpu = r.get("cpu_time_s")
    if common.is_num(cpu):
        c.check(0.15 <= cpu < 30, f"cpu_time_s {cpu}, want >= 0.15 (4 x 0.07 s burnt)")
    if common.is_num(r.get("user_time_s")):
        c.check(r["user_time_s"] >= 0.1, f"user_time_s {r['user_time_s']}, want >= 0.1")
    if common.is_num(r.get("wall_time_s")):
        c.check(0 < r["wall_time_s"] < 30, f"wall_time_s {r['wall_time_s']}")
    c.check(r.get("processes") == 4, f"processes {r.get('processes')}, want 4")
    c.check(common.is_int(r.get("trapped_syscalls")) and r["trapped_syscalls"] > 0,
            f"trapped_syscalls {r.get('trapped_syscalls')}, want > 0")
    c.check(r.get("denied_syscalls") == 0, f"denied_syscalls {r.get('denied_syscalls')}, want 0")
    c.check(r.get("verdict") == "ok", f"verdict {r.get('verdict')!r}")
    c.check(r.get("exit_code") == 0, f"exit_code {r.get('exit_code')!r}")
    c.check("signal" in r and r["signal"] is None, f"signal {r.get('signal')!r}, want null")
    c.check(common.is_int(r.get("peak_memory_bytes")) and r["peak_memory_bytes"] > 0,
            f"peak_memory_bytes {r.get('peak_memory_bytes')}, want > 0")
    procs = [e for e in run.of("spawn") if e.get("thread") is False]
    c.check(len(procs) == 3, f"{len(procs)} process spawns, want 3")
    c.done()


if __name__ == "__main__":
    main()
