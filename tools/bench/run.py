#!/usr/bin/python3
"""make bench: sysward against its peers, side by side, interleaved, as medians and ratios.

    tools/bench/run.py SYSWARD [TT_BIN]

Every workload runs under every configuration, one sample per configuration in turn (the
start rotates each round, so no configuration always runs first), for several rounds; the
table shows medians and ratios.  Absolute times on a shared VM are noise, the
ratios are the result.  Speed is measured here and never asserted by the tests.

Environment:
    BENCH_QUICK=1        30-40 s: fewer rounds, shorter loops (use it while developing)
    BENCH_RUNS=N         rounds (default 5, quick 3)
    BENCH_ONLY=w1,w5     only these workloads
    BENCH_CONFIGS=a,b    only these configurations (native and floor are always kept)
    BENCH_CSV=PATH       where the CSV goes (default: <build dir>/bench/bench.csv)
    BENCH_NO_INSTALL=1   never try `apt-get install` for a missing peer
    BENCH_PROFILE=1      afterwards, the tracer profile of profile_tracer.py (about 45 s)

Peers that are not installed are skipped with a note; as root the runner first tries
`apt-get install -y proot bubblewrap` (small packages, attempted once, failures ignored).
"""

import csv
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
ROUNDS = int(os.environ.get("BENCH_RUNS", "3" if QUICK else "5"))
TIMEOUT = 60  # per sample; a configuration that hangs once is not run again on that workload

# Classes of arch/syscalls.tbl that sysward's default filter sends to the tracer (mm runs
# natively when the kernel has mseal; ioctl/prctl ranges and syscalls without a row are
# left out: they are not what the design must trap).
TRAPPED_CLASSES = {"path", "exec", "net", "sendto", "pid", "fdmeta", "priv"}

PY_MODULES = ("json, re, decimal, email.parser, http.client, urllib.request, "
              "xml.etree.ElementTree, sqlite3, csv, argparse, logging, asyncio, subprocess, "
              "pathlib, datetime, collections, typing, dataclasses, tempfile, shutil, hashlib, "
              "base64, unittest")

# Workloads: id, name, what is measured, loop length (full, quick), configs (None: all).
#   loop    the program times its own loop and prints nanoseconds (launch not counted)
#   wall    wall time of the whole command, measured here
#   batch   wall time of K launches in a row, divided by K (start-up is short and noisy)
# w1 opens a system file (no directory on its path is writable under the default profile);
# w1w the same in the working directory, which the sandbox may write: a supervisor has to
# close the symlink race there, so the two can differ in what the tracer must do per call;
# w1s stats the system file (metadata calls dominate compilers and python imports).
TRACERS = {"native", "native@0", "floor", "floor@0", "strace", "strace@0", "sysward",
           "sysward@0"}
WORKLOADS = [
    ("w1", "open+close", "loop", (10000, 2500), None),
    ("w1w", "open+close, writable", "loop", (10000, 2500), TRACERS),
    ("w1s", "stat", "loop", (10000, 2500), TRACERS),
    ("w2", "getpid", "loop", (1000000, 300000), None),
    ("w3", "fork+exec", "loop", (300, 40), None),
    ("w4", "startup /bin/true", "batch", (10, 4), None),
    ("w5", "gcc -c", "wall", (1, 1), None),
    ("w6", "python3 imports", "wall", (1, 1), None),
    ("w7", "make -j2", "wall", (1, 1), None),
]


def note(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def sh(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


# ---- setup -----------------------------------------------------------------------------

def trap_list():
    """NAME[:I[:J]] for every syscall sysward traps by class, I/J = its path arguments."""
    out = []
    with open(os.path.join(REPO, "arch", "syscalls.tbl")) as f:
        for line in f:
            tok = line.split()
            if len(tok) < 2 or tok[0].startswith("#") or tok[1] not in TRAPPED_CLASSES:
                continue
            paths = [str(i) for i, a in enumerate(tok[2:]) if a.startswith("path")]
            out.append(":".join([tok[0]] + paths[:2]))
    return ",".join(out)


def build(bdir):
    cc = os.environ.get("CC", "cc")
    os.makedirs(bdir, exist_ok=True)
    wl, floor = os.path.join(bdir, "wl"), os.path.join(bdir, "floor")
    for out, src, libs in ((wl, "workloads/wl.c", []), (floor, "floor.c", ["-lseccomp"])):
        r = sh([cc, "-O2", "-std=gnu11", "-Wall", "-o", out, os.path.join(HERE, src)] + libs)
        if r.returncode:
            sys.exit(f"bench: cannot build {src}:\n{r.stderr}")
    return wl, floor


def ensure_peers():
    missing = [p for p, b in (("proot", "proot"), ("bubblewrap", "bwrap")) if not shutil.which(b)]
    if not missing or os.environ.get("BENCH_NO_INSTALL") or os.geteuid() != 0:
        return
    note(f"installing {' '.join(missing)} (apt-get; BENCH_NO_INSTALL=1 to skip)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends"] + missing
    try:
        if sh(cmd, env=env, timeout=180).returncode:
            sh(["apt-get", "update"], env=env, timeout=180)
            sh(cmd, env=env, timeout=180)
    except (OSError, subprocess.TimeoutExpired):
        pass


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.node()}, Linux {platform.release()}, {model}, {os.cpu_count()} cores"


# ---- configurations ------------------------------------------------------------------------

class Config:
    def __init__(self, name, prefix, pinned=False, only=None, shrink=None):
        self.name = name
        self.prefix = prefix
        self.pinned = pinned
        self.only = only            # workload ids it runs, None = all
        self.shrink = shrink or {}  # workload id -> divide the loop length (slow peers)
        self.base = None            # the native config it is compared with
        self.floor = None           # the floor config it is compared with
        self.skip = None


def configs(sysward, floor, work, stats):
    pin = ["taskset", "-c", "0"]
    traps = trap_list()
    fl = [floor, "-s", stats, "-t", traps, "--"]
    st = ["strace", "-f", "-qq", "-o", "/dev/null", "--seccomp-bpf",
          "-e", "trace=%file,%process,%network"]
    bw = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
          "--bind", "/tmp", "/tmp", "--bind", work, work, "--chdir", work, "--"]
    sw = [sysward, "run", "--profile", "default", "--"]
    sa = [sysward, "run", "--profile", "audit", "--"]
    cs = [
        Config("native", []),
        Config("native@0", pin, True),
        Config("floor", fl),
        Config("floor@0", pin + fl, True),
        Config("floor@0/1", pin + [floor, "-c", "1"] + fl[1:], True, only={"w1"},
               shrink={"w1": 10}),
        Config("strace", st),
        Config("strace@0", pin + st, True, only={"w1", "w1w", "w1s", "w2", "w3", "w4"}),
        Config("proot", ["proot"], shrink={"w1": 2, "w2": 200}),  # proot stops at every syscall
        Config("bwrap", bw),
        Config("sysward", sw),
        Config("sysward@0", pin + sw, True),
        Config("sysward-cpus1", [sysward, "run", "--profile", "default", "--cpus", "1", "--"],
               only={"w1"}),
        Config("sysward-audit", sa),
    ]
    for c in cs:
        c.base = "native@0" if c.pinned else "native"
        c.floor = "floor@0" if c.pinned else "floor"
    want = os.environ.get("BENCH_CONFIGS")
    if want:
        keep = set(want.split(",")) | {"native", "native@0", "floor", "floor@0"}
        cs = [c for c in cs if c.name in keep]
    if (os.cpu_count() or 1) < 2:
        cs = [c for c in cs if c.name not in ("floor@0/1", "sysward-cpus1")]
    return cs


# ---- one sample ------------------------------------------------------------------------------

class Bench:
    def __init__(self, sysward):
        self.sysward = sysward
        self.bdir = os.path.join(os.path.dirname(sysward), "bench")
        self.work = tempfile.mkdtemp(prefix="sysward-bench.", dir="/tmp")
        self.stats = os.path.join(self.work, "floor.stats")
        wl, self.floor = build(self.bdir)
        # the workload binary runs from the working directory, which every profile allows
        self.wl = os.path.join(self.work, "wl")
        shutil.copy(wl, self.wl)
        shutil.copy(os.path.join(HERE, "workloads", "unit.c"), self.work)
        shutil.copytree(os.path.join(HERE, "workloads", "mk"), os.path.join(self.work, "mk"))
        # w1: a system file every profile may read; w1w: one in the working directory
        self.sysfile = next((p for p in ("/usr/include/stdio.h", "/etc/passwd")
                             if os.path.exists(p)), "/etc/passwd")
        self.data = os.path.join(self.work, "data.txt")
        with open(self.data, "w") as f:
            f.write("sysward bench\n")
        self.env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C", "HOME": self.work,
            "TMPDIR": "/tmp", "TERM": os.environ.get("TERM", "dumb"),
        }
        self.traps = {}  # workload id -> floor's stats of its last run

    def command(self, wid, n):
        py, cc = "/usr/bin/python3", "/usr/bin/gcc"
        return {
            "w1": [self.wl, "open", str(n), self.sysfile],
            "w1w": [self.wl, "open", str(n), self.data],
            "w1s": [self.wl, "stat", str(n), self.sysfile],
            "w2": [self.wl, "getpid", str(n)],
            "w3": [self.wl, "forkexec", str(n), "/bin/true"],
            "w4": ["/bin/true"],
            "w5": [cc, "-O2", "-c", "unit.c", "-o", "unit.o"],
            "w6": [py, "-I", "-c", f"import {PY_MODULES}"],
            "w7": ["/usr/bin/make", "-s", "-B", "-j2", "-C", "mk"],
        }[wid]

    def once(self, cfg, argv):
        """Run one command; its own process group, killed whole if it outlives TIMEOUT."""
        t0 = time.perf_counter_ns()
        p = subprocess.Popen(cfg.prefix + argv, cwd=self.work, env=self.env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        try:
            out, err = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.communicate()
            raise
        dt = time.perf_counter_ns() - t0
        if p.returncode != 0:
            raise RuntimeError(f"{cfg.name}: {' '.join(argv)}: exit {p.returncode}: "
                               f"{err.strip()[-300:]}")
        return dt, out

    def sample(self, cfg, wid, kind, n):
        """Seconds for one sample: the loop time, the wall time, or wall time per launch.
        A shrunk loop is scaled back to n iterations."""
        scale = cfg.shrink.get(wid, 1) if kind == "loop" else 1
        argv = self.command(wid, max(1, n // scale))
        if kind == "batch":
            dt = sum(self.once(cfg, argv)[0] for _ in range(n)) / n
        else:
            dt, out = self.once(cfg, argv)
        if cfg.name == "floor":
            self.traps[wid] = read_stats(self.stats)
        if kind == "loop":
            return int(out.split()[-1]) / 1e9 * n / max(1, n // scale)
        return dt / 1e9


def read_stats(path):
    st = {}
    try:
        with open(path) as f:
            for line in f:
                k, v = line.split()
                st[k] = int(v)
    except (OSError, ValueError):
        pass
    return st


# ---- the run ----------------------------------------------------------------------------------

def probe(b, cs):
    """Drop peers that are missing or do not work here, with a note."""
    for c in cs:
        cmd = c.prefix[3:] if c.prefix[:1] == ["taskset"] else c.prefix
        tool = cmd[0] if cmd else None
        if tool and not (os.path.exists(tool) or shutil.which(tool)):
            c.skip = f"{tool} not installed"
            continue
        try:
            b.once(c, ["/bin/true"])
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            c.skip = f"does not run here: {e}"
    for c in cs:
        if c.skip:
            note(f"skipping {c.name}: {c.skip}")
    return [c for c in cs if not c.skip]


def measure(b, cs, wls):
    res = {}  # (wid, config) -> [seconds]
    n_of = {w[0]: w[3][1 if QUICK else 0] for w in wls}
    kind_of = {w[0]: w[2] for w in wls}
    only_of = {w[0]: w[4] for w in wls}

    def runs(c, wid):
        return ((c.only is None or wid in c.only) and
                (only_of[wid] is None or c.name in only_of[wid]))

    # warm-up: page cache, binaries, and a first floor run for the trap counts
    for wid in n_of:
        n = max(1, n_of[wid] // 10) if kind_of[wid] == "loop" else 1
        for c in cs:
            if c.name in ("native", "floor") and runs(c, wid):
                try:
                    b.sample(c, wid, kind_of[wid], n)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    note(f"warm-up of {wid} under {c.name} failed: {str(e)[:300]}")
    spent, hung = {}, set()
    for rnd in range(ROUNDS):
        t0 = time.monotonic()
        for wid in n_of:
            run = [c for c in cs if runs(c, wid)]
            k = rnd % len(run)
            t1 = time.monotonic()
            for c in run[k:] + run[:k]:
                if (wid, c.name) in hung:
                    continue
                try:
                    v = b.sample(c, wid, kind_of[wid], n_of[wid])
                    res.setdefault((wid, c.name), []).append(v)
                except subprocess.TimeoutExpired:
                    hung.add((wid, c.name))
                    note(f"{wid} under {c.name} took more than {TIMEOUT}s: killed, not run "
                         "again (a hang is a bug, not a measurement)")
                except RuntimeError as e:
                    note(f"{wid} under {c.name} failed: {str(e)[:300]}")
            spent[wid] = spent.get(wid, 0) + time.monotonic() - t1
        note(f"round {rnd + 1}/{ROUNDS} done in {time.monotonic() - t0:.1f}s")
    note("time per workload: " + ", ".join(f"{w} {t:.0f}s" for w, t in spent.items()))
    return res, n_of


def med(res, wid, name):
    v = res.get((wid, name))
    return statistics.median(v) if v else None


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: run.py SYSWARD [TT_BIN]")
    sysward = os.path.abspath(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still remove the work dir
    t_start = time.monotonic()
    load0 = loadavg()
    ensure_peers()
    b = Bench(sysward)
    try:
        cs = probe(b, configs(sysward, b.floor, b.work, b.stats))
        only = os.environ.get("BENCH_ONLY")
        wls = [w for w in WORKLOADS if not only or w[0] in only.split(",")]
        res, n_of = measure(b, cs, wls)
        rows = table(res, n_of, wls, cs, b.traps)
        tg = targets(res, n_of, cs)
        print_table(rows, tg, b.traps, wls)
        path = os.environ.get("BENCH_CSV") or os.path.join(b.bdir, "bench.csv")
        write_csv(path, rows, tg)
        print(f"\n{machine()}; {ROUNDS} rounds{' (BENCH_QUICK)' if QUICK else ''}, "
              f"{time.monotonic() - t_start:.0f}s in all; load average {load0} at the start, "
              f"{loadavg()} at the end (other work on the machine shows up as noise)")
        print(f"CSV: {path}")
        if os.environ.get("BENCH_PROFILE", "") not in ("", "0"):
            sys.dont_write_bytecode = True  # no __pycache__ in the source tree
            import profile_tracer
            profile_tracer.profile(b)
    finally:
        shutil.rmtree(b.work, ignore_errors=True)


# ---- results -----------------------------------------------------------------------------------

def table(res, n_of, wls, cs, traps):
    rows = []
    for wid, name, kind, _, _ in wls:
        n = n_of[wid]
        if wid == "w3":
            name = f"{name} x{n}"
        for c in cs:
            v = res.get((wid, c.name))
            if not v:
                continue
            m, base, fl = med(res, wid, c.name), med(res, wid, c.base), med(res, wid, c.floor)
            row = {
                "workload": wid, "name": name, "config": c.name, "pinned": int(c.pinned),
                "runs": len(v), "median_s": m, "min_s": min(v), "max_s": max(v),
                "ratio_native": m / base if base else None,
                "ratio_floor": m / fl if fl else None,
                "per_call_us": None, "ovh_ratio_floor": None,
                "floor_traps": traps.get(wid, {}).get("traps"),
            }
            if kind == "loop" and base is not None:
                row["per_call_us"] = (m - base) / n * 1e6
                if fl is not None and fl > base:
                    row["ovh_ratio_floor"] = (m - base) / (fl - base)
            rows.append(row)
    return rows


def overhead(res, n_of, wid, name, base):
    m, b = med(res, wid, name), med(res, wid, base)
    return None if m is None or b is None else (m - b) / n_of[wid]


def targets(res, n_of, cs):
    """Issue 10's targets for sysward unpinned and pinned: (target, column, value, verdict)."""
    names = {c.name for c in cs}
    out = []
    if "w1" in n_of and {"floor", "floor@0"} <= names:
        o_un = overhead(res, n_of, "w1", "floor", "native")
        o_pin = overhead(res, n_of, "w1", "floor@0", "native@0")
        if o_un and o_pin and o_un > 2 * o_pin:
            out.append(("unpinned floor: tracer and tracee were split across CPUs", "floor",
                        f"{o_un * 1e6:.1f}us/call unpinned vs {o_pin * 1e6:.1f}us pinned: "
                        "unpinned ratios measure placement", "NOTE"))

    def add(label, col, text, ok):
        out.append((label, col, text, "PASS" if ok else "FAIL"))

    for sw, nat, fl, st in (("sysward", "native", "floor", "strace"),
                            ("sysward@0", "native@0", "floor@0", "strace@0")):
        if sw not in names:
            continue
        for w1, where in (("w1", ""), ("w1w", ", writable dir"), ("w1s", ", stat")):
            if w1 not in n_of:
                continue
            o_sw, o_fl = overhead(res, n_of, w1, sw, nat), overhead(res, n_of, w1, fl, nat)
            o_st = overhead(res, n_of, w1, st, nat) if st in names else None
            if o_sw is not None and o_fl:
                add(f"checked call overhead <= 2x floor{where}", sw,
                    f"{o_sw * 1e6:.1f}us = {o_sw / o_fl:.2f}x floor", o_sw <= 2 * o_fl)
            if o_sw is not None and o_st:
                add(f"checked call overhead <= {st}{where}", sw,
                    f"{o_sw / o_st:.2f}x {st}", o_sw <= o_st)
                add(f"stretch: checked call <= 0.6x {st}{where}", sw,
                    f"{o_sw / o_st:.2f}x {st}", o_sw <= 0.6 * o_st)
        if "w2" in n_of and med(res, "w2", sw) and med(res, "w2", fl):
            r = med(res, "w2", sw) / med(res, "w2", fl)
            add("untrapped getpid within 3% of floor", sw, f"{(r - 1) * 100:+.1f}%", r <= 1.03)
        if "w3" in n_of and med(res, "w3", sw) and med(res, "w3", nat):
            r = med(res, "w3", sw) / med(res, "w3", nat)
            add("fork+exec churn within 30% of native", sw, f"{(r - 1) * 100:+.0f}%", r <= 1.30)
        if "w4" in n_of and med(res, "w4", sw):
            s = med(res, "w4", sw)
            if med(res, "w4", "bwrap"):
                add("startup no slower than bwrap", sw,
                    f"{s / med(res, 'w4', 'bwrap'):.2f}x bwrap", s <= med(res, "w4", "bwrap"))
            if med(res, "w4", fl):
                add("startup <= 1.5x floor", sw, f"{s / med(res, 'w4', fl):.2f}x floor",
                    s <= 1.5 * med(res, "w4", fl))
        for wid, what in (("w5", "gcc -c"), ("w6", "python3 imports"), ("w7", "make -j2")):
            if wid in n_of and med(res, wid, sw) and med(res, wid, nat):
                r = med(res, wid, sw) / med(res, wid, nat)
                verdict = r <= 1.25
                text = f"{(r - 1) * 100:+.0f}%" + (" (aim 10%: met)" if r <= 1.10 else "")
                add(f"{what} within 25% of native", sw, text, verdict)
    return out


def fmt_time(s):
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.3f}s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f}ms"
    return f"{s * 1e6:.0f}us"


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def print_table(rows, tg, traps, wls):
    print()
    print(f"{'workload':<26} {'config':<14} {'median':>9} {'x native':>9} {'x floor':>8}"
          f" {'+us/call':>9} {'ovh/floor':>9}")
    last = None
    for r in rows:
        label = f"{r['workload']} {r['name']}" if r["workload"] != last else ""
        if r["workload"] != last and last is not None:
            print()
        last = r["workload"]
        per = r["per_call_us"]
        per_s = "-" if per is None else (f"{per * 1000:.0f}ns" if abs(per) < 1 else f"{per:.2f}")
        print(f"{label:<26} {r['config']:<14} {fmt_time(r['median_s']):>9}"
              f" {fmt(r['ratio_native'], '.2f'):>9} {fmt(r['ratio_floor'], '.2f'):>8}"
              f" {per_s:>9} {fmt(r['ovh_ratio_floor'], '.2f'):>9}")
    print("\n+us/call: (median - native median) / loop length (w1, w1w: per open+close, the "
          "open trapped;\nw1s: per stat; w2: per getpid; w3: per fork+exec).  ovh/floor: that "
          "overhead over the\nfloor tracer's.  @0: tracer and tracee pinned to CPU 0 (ratios "
          "against native@0/floor@0);\nfloor@0/1: tracer on CPU 0, tracee on CPU 1; "
          "sysward-cpus1: --cpus 1, tracer placed by sysward.")
    if traps:
        print("\nTrapped calls per run (the floor's count, sysward's filter, top syscalls):")
        for wid, name, _, _, _ in wls:
            st = traps.get(wid)
            if not st:
                continue
            top = sorted(((v, k) for k, v in st.items() if k not in ("traps", "empty")),
                         reverse=True)[:5]
            print(f"  {wid:<3} {name:<22} {st.get('traps', 0):>6}  "
                  + ", ".join(f"{k} {v}" for v, k in top)
                  + (f"; {st['empty']} with an empty path (fstat)" if st.get("empty") else ""))
    print("\nTargets of issue 10 (tests never assert speed):")
    for label, col, text, verdict in tg:
        print(f"  {verdict:<5} {col:<10} {label:<56} {text}")


def write_csv(path, rows, tg):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    keys = ["workload", "name", "config", "pinned", "runs", "median_s", "min_s", "max_s",
            "ratio_native", "ratio_floor", "per_call_us", "ovh_ratio_floor", "floor_traps"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        # kind "measure": one row per workload and configuration; kind "target": one row
        # per target of issue 10 (name = the target, config = sysward or sysward@0)
        w.writerow(["kind"] + keys + ["target_value", "verdict"])
        for r in rows:
            w.writerow(["measure"] + [("" if r[k] is None else
                                       (f"{r[k]:.6g}" if isinstance(r[k], float) else r[k]))
                                      for k in keys] + ["", ""])
        for label, col, text, verdict in tg:
            w.writerow(["target", "", label, col] + [""] * (len(keys) - 3) + [text, verdict])


if __name__ == "__main__":
    main()
