#!/usr/bin/python3
"""Where sysward's tracer spends a trapped call: the evidence behind docs/PERFORMANCE.md.

    tools/bench/profile_tracer.py SYSWARD          (or BENCH_PROFILE=1 make bench)

1. The tracer's own syscalls per trapped call: `strace -c` of the sysward process alone
   (strace does not follow it into the tracees), at two loop lengths of the open+close
   workload, so start-up cancels out; the floor tracer measured the same way beside it.
2. Context switches and CPU time per trapped call (`perf stat`, software events).
3. Where the tracer's CPU time goes (`perf record --call-graph dwarf`), on open+close and on
   gcc -c, grouped by what the code is doing.  Skipped with a note when perf is missing.
2 and 3 run pinned (taskset -c 0, tracer and tracee on one CPU): unpinned, the numbers
depend on where the scheduler puts the two, which is measured by the bench itself.
"""

import collections
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the runner's build, workloads and trap list)


def sh(argv, cwd, env):
    return subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=300)


def strace_counts(b, prefix, argv):
    """{syscall: calls} of the tracer process itself."""
    out = os.path.join(b.work, "strace.c")
    sh(["strace", "-c", "-U", "name,calls", "-o", out] + prefix + argv, b.work, b.env)
    counts = {}
    with open(out) as f:
        for line in f:
            tok = line.split()
            if len(tok) == 2 and tok[1].isdigit() and tok[0] != "total":
                counts[tok[0]] = int(tok[1])
    return counts


def floor_traps(b, argv):
    sh([b.floor, "-s", b.stats, "-t", run.trap_list(), "--"] + argv, b.work, b.env)
    return run.read_stats(b.stats)


def per_trap_syscalls(b, tracers):
    n1, n2 = 2000, 12000
    traps = (n2 + n2 // 10) - (n1 + n1 // 10)  # wl warms up with n/10 more iterations
    print("Tracer syscalls per trapped openat (open+close loop, strace -c of the tracer; "
          f"difference of {n2} and {n1} iterations):")
    cols = {}
    for name, prefix in tracers:
        c1 = strace_counts(b, prefix, b.command("w1", n1))
        c2 = strace_counts(b, prefix, b.command("w1", n2))
        cols[name] = {k: (c2.get(k, 0) - c1.get(k, 0)) / traps for k in set(c1) | set(c2)}
    names = sorted({k for c in cols.values() for k, v in c.items() if v >= 0.005},
                   key=lambda k: -max(c.get(k, 0) for c in cols.values()))
    print(f"  {'syscall':<20}" + "".join(f"{n:>10}" for n in cols))
    for k in names:
        print(f"  {k:<20}" + "".join(f"{cols[n].get(k, 0):>10.2f}" for n in cols))
    print(f"  {'total':<20}" + "".join(f"{sum(v for v in cols[n].values() if v > 0):>10.2f}"
                                       for n in cols))
    print(f"  {'stops (wait4)':<20}" + "".join(f"{cols[n].get('wait4', 0):>10.2f}" for n in cols))
    return cols


def ptrace_ops(b, prefix):
    """Which ptrace requests, per trapped openat (strace -e ptrace, 200 iterations)."""
    out = os.path.join(b.work, "ptrace.txt")
    sh(["strace", "-e", "trace=ptrace", "-o", out] + prefix + b.command("w1", 400), b.work, b.env)
    ops = collections.Counter()
    with open(out) as f:
        for line in f:
            m = re.match(r"ptrace\((PTRACE_\w+)", line)
            if m:
                ops[m.group(1)] += 1
    total = 400 + 400 // 10 + 1
    print("  ptrace requests per trapped openat: " +
          ", ".join(f"{k} {v / total:.2f}" for k, v in ops.most_common()))


def perf_stat(b, tracers, n=10000):
    print(f"\nperf stat per trapped openat ({n} iterations, pinned; task-clock = CPU of tracer "
          "+ tracee):")
    for name, prefix in tracers:
        r = sh(["perf", "stat", "-x,", "-e", "task-clock,context-switches,cpu-migrations", "--",
                "taskset", "-c", "0"] + prefix + b.command("w1", n), b.work, b.env)
        vals = {}
        for line in r.stderr.splitlines():
            tok = line.split(",")
            if len(tok) > 2:
                try:
                    vals[tok[2]] = float(tok[0])
                except ValueError:
                    pass
        traps = n + n // 10
        print(f"  {name:<10} cpu {vals.get('task-clock', 0) * 1e3 / traps:6.2f} us"
              f"   context switches {vals.get('context-switches', 0) / traps:5.2f}"
              f"   migrations {vals.get('cpu-migrations', 0):.0f}")


# perf categories: the first rule with a frame in the stack wins.  A name ending in "_" is a
# prefix; other names match whole symbols (".constprop.0"-style suffixes removed).
CATEGORIES = [
    ("watchdog ticks (cgroup sampling)", ("watchdog", "limits_sample", "on_alarm")),
    ("ptrace GETREGS/SETREGS", ("x86_get_regs", "x86_set_regs", "a64_get_regs", "a64_set_regs",
                                "genregs_get", "genregs_set", "copy_regset_to_user")),
    ("PTRACE_GET_SYSCALL_INFO", ("ptrace_get_syscall_info",)),
    # a resume wakes the tracee on this CPU, which preempts the tracer on its way out
    ("ptrace resume (CONT/SYSCALL) + switch to the tracee",
     ("tracee_resume", "ptrace_resume", "ptrace_request", "exit_to_user_mode_loop"), "ptrace"),
    ("ptrace entry, attach check", ("ptrace",)),
    ("wait4 (incl. switch to the tracee)", ("__GI___wait4", "wait4", "__wait4")),
    ("process_vm_readv", ("process_vm_readv", "mem_read", "mem_read_str")),
    ("path walk: lstat/readlink", ("walk", "resolve_path", "resolve_fd", "dirfd_path")),
    ("audit/JSON args (built even without --audit)", ("jb_", "audit_", "decode_")),
    ("systab_by_name (linear strcmp)", ("systab_by_name",)),
    ("policy eval / redirect", ("policy_", "pol_", "glob_")),
    ("other tracer code", ("judge_", "loop_run", "dispatch", "tracee_", "call_")),
]


def categorise(stack):
    for rule in CATEGORIES:
        label, frames = rule[0], rule[1]
        if len(rule) > 2 and rule[2] not in stack:
            continue
        for fr in stack:
            if any(fr.startswith(f) if f.endswith("_") else fr == f for f in frames):
                return label
    return "kernel / libc outside the loop (launch, exit, irq)"


def perf_profile(b, label, argv):
    data = os.path.join(b.work, "perf.data")
    r = sh(["perf", "record", "-q", "--no-buildid-cache", "-F", "4000", "--call-graph", "dwarf,16384", "-o", data,
            "--", "taskset", "-c", "0", b.sysward, "run", "--"] + argv, b.work, b.env)
    if r.returncode:
        print(f"  perf record failed: {r.stderr.strip()[-200:]}")
        return
    r = sh(["perf", "script", "-i", data, "-F", "comm,ip,sym"], b.work, b.env)
    cats, comms = collections.Counter(), collections.Counter()
    stack, comm = [], None
    for line in r.stdout.splitlines() + [""]:
        if not line.strip():
            if comm is not None:
                comms[comm] += 1
                if comm == "sysward":
                    cats[categorise(stack)] += 1
            stack, comm = [], None
        elif not line.startswith("\t"):
            comm = line.split()[0]
        else:
            tok = line.split()
            if len(tok) >= 2:
                stack.append(re.sub(r"\.(constprop|isra|part|cold)(\.\d+)?$", "", tok[1]))
    total, tr = sum(comms.values()), comms.get("sysward", 0)
    print(f"\nperf record, {label}, pinned: {total} samples, "
          f"tracer {100 * tr / max(total, 1):.0f}%, tracees the rest; the tracer's samples "
          "by activity:")
    for k, v in cats.most_common():
        print(f"  {100 * v / max(tr, 1):5.1f}%  {k}")


def ablation(b, rounds=7):
    """What sysward's own features cost: the Landlock backstop, enforce vs audit mode."""
    sw = [b.sysward, "run"]
    cs = [run.Config("native", []),
          run.Config("floor", [b.floor, "-t", run.trap_list(), "--"]),
          run.Config("sysward", sw + ["--"]),
          run.Config("--no-backstops", sw + ["--no-backstops", "--"]),
          run.Config("--profile audit", sw + ["--profile", "audit", "--"])]
    wls = [("w1", "loop", 5000), ("w4", "batch", 5), ("w5", "wall", 1)]
    res = collections.defaultdict(list)
    for rnd in range(rounds):
        for wid, kind, n in wls:
            for c in cs[rnd % len(cs):] + cs[:rnd % len(cs)]:
                res[(wid, c.name)].append(b.sample(c, wid, kind, n))
    print(f"\nAblation (medians of {rounds} interleaved runs; w1: loop time per iteration, "
          "w4: per launch, w5: wall):")
    print(f"  {'':<18}" + "".join(f"{c.name:>17}" for c in cs))
    for wid, kind, n in wls:
        vals = [statistics.median(res[(wid, c.name)]) for c in cs]
        if kind == "loop":
            cells = [f"{v / n * 1e6:.1f}us" for v in vals]
        else:
            cells = [f"{v * 1e3:.1f}ms" for v in vals]
        print(f"  {wid + ' ' + kind:<18}" + "".join(f"{x:>17}" for x in cells))


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: profile_tracer.py SYSWARD")
    b = run.Bench(os.path.abspath(sys.argv[1]))
    try:
        profile(b)
    finally:
        shutil.rmtree(b.work, ignore_errors=True)


def profile(b):
    sw = [b.sysward, "run", "--profile", "default", "--"]
    fl = [b.floor, "-t", run.trap_list(), "--"]
    st = ["strace", "-f", "-qq", "-o", "/dev/null", "--seccomp-bpf",
          "-e", "trace=%file,%process,%network"]
    print(f"\n==== tracer profile ({run.machine()})\n")
    if not shutil.which("strace"):
        print("strace not installed: no syscall profile")
    else:
        per_trap_syscalls(b, [("sysward", sw), ("floor", fl)])
        ptrace_ops(b, sw)
    tr = [("sysward", sw), ("floor", fl)] + ([("strace", st)] if shutil.which("strace") else [])
    if not shutil.which("perf") or sh(["perf", "stat", "true"], b.work, b.env).returncode:
        print("\nperf is not available here (apt-get install linux-perf): no CPU profile")
        return
    perf_stat(b, tr)
    ablation(b)
    perf_profile(b, "w1 open+close x20000", b.command("w1", 20000))
    traps = floor_traps(b, b.command("w5", 1)).get("traps", 0)
    perf_profile(b, f"w5 gcc -c ({traps} trapped calls)", b.command("w5", 1))


if __name__ == "__main__":
    main()
