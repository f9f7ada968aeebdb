#!/usr/bin/env python3
"""limits_lib: what the limit tests (tracee-tests/limits/expected.tsv) assert, shared by the
plain-row check (limits_check.py) and the driver checks (limits_drive*.py).  Not a check
itself: running it does nothing.

The expectation of a row is derived from its program, arguments and sysward options, so
that one table line says everything (e.g. `lim-mem 4 100` under `--memory 256M`: 400 MiB
in all > 256 MiB, so verdict memory-limit; `lim-mem 3 50`: 150 MiB fits, so ok):

  lim-mem N MIB HOLD   memory-limit (status 137, SIGKILL) when N*MIB MiB > --memory, else
                       ok; peak_memory_bytes >= N*MIB MiB when ok (<= --memory under a
                       cgroup memory controller), near the limit when over it
  lim-cpu SECS|inf     inf: cpu-time-limit, limit <= cpu_time_s <= 2 * limit, wall time
                       below --wall-time; else ok with cpu_time_s close to the program's
                       own getrusage account
  lim-wall             wall-time-limit, --wall-time <= wall_time_s <= --wall-time + 5
  lim-bomb MAX         with --pids: pids-limit; without: ok, `created MAX`, processes == MAX
  lim-write CAPMIB     with --fsize F: output-limit by SIGXFSZ (status 153), out.bin == F
                       bytes; without: ok, out.bin == CAPMIB MiB
  lim-scratch N K CODE N*K KiB > --scratch: output-limit, status CODE (its own exit) or 137
                       (killed when sysward saw the space full); else ok.  The scratch
                       directory is gone afterwards, nothing was written to the row's
                       directory.
  lim-orphans          ok, 4 processes (the driver asserts that the processes left behind
                       are gone)
  lim-stats N SECS     ok, processes == N+1, cpu_time_s within [0.66, 2.5] x (N+1)*SECS
                       and close to the program's own account, user_time_s > 0

Every row, whatever the program:
  - the result record and the trail are well formed (common.py's parsers); the exit status
    agrees with the record: 128+signal when the program died by a signal, else its exit
    code (a limit verdict keeps the program's own status: INTERFACE `--scratch` "whatever
    the exit status");
  - a limit verdict has a non-empty message and a `limit` audit event naming it;
  - environment.cgroup is the backend the row was run with (`v1`/`v2` from the mounts when
    root, `none` forced or unprivileged) and environment.privileged is euid == 0;
  - the program was exec'd inside the run's groups (its /proc/self/cgroup, printed before
    anything else: `/sysward/run-<sysward pid>-N` in every hierarchy the backend uses), and
    every one of those groups is removed when sysward has returned (no `run-<pid>-*` of this
    sysward is left under any `sysward` parent);
  - with a cgroup controller for it, --memory / --pids is set in the run's own group as the
    program read it (`knob` lines: memory.limit_in_bytes and memory.memsw.limit_in_bytes,
    i.e. no swap, on v1; memory.max and memory.swap.max=0 on v2; pids.max);
  - a degraded limit (a backend without the controller) is announced on stderr
    ("limits enforced approximately ... --memory ..."), and a fully enforced one is not.
"""
import glob
import os
import re

import common

MIB = 1 << 20
CG_ROOT = "/sys/fs/cgroup"
LIMIT_NAMES = {"cpu-time-limit": "cpu-time", "wall-time-limit": "wall-time",
               "memory-limit": "memory", "pids-limit": "pids", "output-limit": "output"}
SIGKILL, SIGXFSZ = 9, 25


def parse_size(s):
    m = re.fullmatch(r"(\d+)([KMG]?)", s)
    if not m:
        raise ValueError(f"bad size {s!r}")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


def parse_opts(opts):
    """`--memory 256M --wall-time 20 ...` -> {"memory": 268435456, "wall-time": 20.0, ...}"""
    words = opts.split() if isinstance(opts, str) else list(opts)
    out = {}
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("--") and i + 1 < len(words) and not words[i + 1].startswith("-"):
            key, val = w[2:], words[i + 1]
            if key in ("memory", "fsize", "scratch"):
                out[key] = parse_size(val)
            elif key in ("cpu-time", "wall-time"):
                out[key] = float(val)
            elif key in ("pids", "nofile"):
                out[key] = int(val)
            else:
                out[key] = val
            i += 2
        else:
            i += 1
    return out


class Facts:
    """The `key ...` lines a limit test program printed (lim.h)."""

    def __init__(self, text):
        self.lines = [ln for ln in text.splitlines() if ln.strip()]
        self.cgroups = [ln[len("cgroup "):] for ln in self.lines if ln.startswith("cgroup ")]
        self.pids = [int(ln.split()[1]) for ln in self.lines
                     if re.fullmatch(r"pid \d+", ln)]
        self.knobs = {}
        for ln in self.lines:
            w = ln.split()
            if len(w) == 3 and w[0] == "knob":
                self.knobs.setdefault(w[1], w[2])

    def first(self, key):
        for ln in self.lines:
            w = ln.split()
            if w and w[0] == key:
                return w[1:]
        return None


def v1_mounts():
    """{controller or name=X: mount point} of the cgroup v1 hierarchies (mount root /)."""
    out = {}
    with open("/proc/self/mountinfo") as f:
        for ln in f:
            pre, post = ln.split(" - ", 1)
            fields, post = pre.split(), post.split()
            if post[0] != "cgroup" or fields[3] != "/":
                continue
            for opt in post[2].split(","):
                if opt not in ("rw", "ro") and not opt.startswith(("relatime", "noatime")):
                    out[opt] = fields[4]
    return out


def v2_mount():
    with open("/proc/self/mountinfo") as f:
        for ln in f:
            pre, post = ln.split(" - ", 1)
            fields = pre.split()
            if post.split()[0] == "cgroup2" and fields[3] == "/":
                return fields[4]
    return None


def auto_backend():
    """The backend sysward picks by itself here as root (limits_pick_backend)."""
    v2 = v2_mount()
    if v2 == CG_ROOT:
        return "v2"
    m = v1_mounts()
    if any(k in m for k in ("memory", "pids", "cpuacct", "freezer")):
        return "v1"
    return "v2" if v2 else "none"


def host_cgroup_path(line, backend):
    """Host path of one /proc/PID/cgroup line, or None."""
    parts = line.split(":", 2)
    if len(parts) != 3:
        return None
    hid, ctrls, path = parts
    if hid == "0" and ctrls == "":
        # v2: inside tracee-tests/cgroup2-ns.sh the program sees the same one hierarchy
        root = v2_mount()
        return root + path if root else None
    m = v1_mounts()
    for ctl in ctrls.split(","):
        if ctl in m:
            return m[ctl].rstrip("/") + path
    return None


def status_agrees(c, res, status):
    """The exit status tells the program's own end: 128+N for signal N, else its code."""
    v, code, sig = res.get("verdict"), res.get("exit_code"), res.get("signal")
    if v == "internal-error":
        c.check(status == 125, f"verdict internal-error but status {status}")
        return
    if sig is not None:
        c.check(code is None and status == 128 + sig,
                f"signal {sig} but status {status}, exit_code {code!r}")
    else:
        c.check(common.is_int(code) and status == code,
                f"exit_code {code!r} but status {status}")
    if v == "ok":
        c.check(status == 0 and code == 0, f"verdict ok but status {status}, exit_code {code!r}")


class Ctx:
    """Everything the assertions look at."""

    def __init__(self, c, d, run, status, stdout, stderr, prog, args, opts, backend,
                 privileged, sysward_pid):
        self.c, self.dir, self.run, self.status = c, d, run, status
        self.res = run.result or {}
        self.out = Facts(stdout)
        self.stderr = stderr
        self.prog = os.path.basename(prog)
        self.args = args.split() if isinstance(args, str) else list(args)
        self.opts = parse_opts(opts)
        self.backend = backend          # expected environment.cgroup, or None: any
        self.privileged = privileged
        self.sysward_pid = sysward_pid

    # -- small helpers --------------------------------------------------------------------
    def num(self, key):
        v = self.res.get(key)
        return v if common.is_num(v) else None

    def want_verdict(self, verdict, statuses=None):
        c, res = self.c, self.res
        got = res.get("verdict")
        c.check(got == verdict, f"verdict {got!r}, want {verdict!r} (message: "
                f"{res.get('message')!r})")
        if statuses is not None:
            c.check(self.status in statuses,
                    f"exit status {self.status}, want one of {sorted(statuses)}")

    def killed_by_sysward(self):
        self.c.check(self.res.get("signal") == SIGKILL and self.status == 128 + SIGKILL,
                     f"want the program killed by SIGKILL (status 137), got status "
                     f"{self.status}, signal {self.res.get('signal')!r}")

    def wall_guard_not_hit(self):
        w, guard = self.num("wall_time_s"), self.opts.get("wall-time")
        if w is not None and guard is not None and self.prog != "lim-wall":
            self.c.check(w < guard, f"wall_time_s {w} reached the --wall-time {guard} "
                         "guard: the limit under test did not end the run")


def check_common(x):
    """Assertions of every row."""
    c, res = x.c, x.res
    if not res:
        c.fail("no result record")
        return
    status_agrees(c, res, x.status)
    env = res.get("environment") or {}
    if x.backend is not None:
        c.check(env.get("cgroup") == x.backend,
                f"environment.cgroup {env.get('cgroup')!r}, want {x.backend!r}")
    c.check(env.get("privileged") is x.privileged,
            f"environment.privileged {env.get('privileged')!r}, want {x.privileged}")
    v = res.get("verdict")
    if v in LIMIT_NAMES:
        c.check(isinstance(res.get("message"), str) and res["message"].strip(),
                f"verdict {v} with an empty message")
        lim = [e for e in x.run.of("limit") if e.get("limit") == LIMIT_NAMES[v]]
        c.check(lim, f"verdict {v} but no `limit` audit event with limit "
                f"{LIMIT_NAMES[v]!r} (limit events: "
                f"{[e.get('limit') for e in x.run.of('limit')]})")
    else:
        c.check(not x.run.of("limit"), f"verdict {v} but the trail has limit events: "
                f"{[e.get('limit') for e in x.run.of('limit')]}")
    x.wall_guard_not_hit()
    check_cgroups(x)
    check_notice(x)


def check_cgroups(x):
    c = x.c
    if not x.out.cgroups:
        c.fail("the program printed no `cgroup` lines (did it start?)")
        return
    backend = (x.res.get("environment") or {}).get("cgroup")
    runs = {}
    for line in x.out.cgroups:
        hid, ctrls, path = (line.split(":", 2) + ["", ""])[:3]
        if "/sysward" in path:
            runs[line] = path
    pid = x.sysward_pid
    if backend == "v1":
        for ctl in ("memory", "pids", "cpuacct", "freezer"):
            if ctl not in v1_mounts():
                continue
            mine = [ln for ln in x.out.cgroups if ctl in ln.split(":", 2)[1].split(",")]
            c.check(mine and re.search(rf"/sysward/run-{pid}-\d+$", mine[0]),
                    f"v1 {ctl}: the program ran in {mine}, want /sysward/run-{pid}-N")
    elif backend == "v2":
        mine = [ln for ln in x.out.cgroups if ln.startswith("0::")]
        c.check(mine and re.search(rf"/sysward(/run)?-{pid}-\d+$", mine[0]),
                f"v2: the program ran in {mine}, want .../sysward/run-{pid}-N")
    elif backend == "none":
        c.check(not runs, f"backend none but the program ran in sysward groups: {list(runs)}")
    for line in runs:
        p = host_cgroup_path(line, backend)
        if p and os.path.exists(p):
            procs = ""
            try:
                procs = open(os.path.join(p, "cgroup.procs")).read().split()
            except OSError:
                pass
            c.fail(f"the run's cgroup {p} is still there after sysward returned "
                   f"(processes in it: {procs})")
    # nothing of this sysward anywhere (also groups the program was never in)
    if pid:
        left = glob.glob(f"{CG_ROOT}/*/sysward/run-{pid}-*") + \
            glob.glob(f"{CG_ROOT}/*/sysward-{pid}-*") + \
            glob.glob(f"{CG_ROOT}/*/*/sysward-{pid}-*")
        c.check(not left, f"cgroups of sysward pid {pid} left behind: {left}")


def check_notice(x):
    """A limit the backend cannot enforce in the kernel is announced on stderr."""
    c = x.c
    env = x.res.get("environment") or {}
    backend = env.get("cgroup")
    approx = [ln for ln in x.stderr.splitlines() if "approximately" in ln]
    degraded = []
    if backend == "none" or (backend == "v2" and not v2_has("memory")):
        degraded += [k for k in ("memory",) if k in x.opts]
    if backend == "none" or (backend == "v2" and not v2_has("pids")):
        degraded += [k for k in ("pids",) if k in x.opts]
    if backend == "v1":
        m = v1_mounts()
        degraded += [k for k in ("memory", "pids") if k in x.opts and k not in m]
    for k in degraded:
        c.check(any(f"--{k}" in ln for ln in approx),
                f"--{k} is only approximate with backend {backend}, but stderr does not say "
                f"so: {approx or x.stderr[-300:]!r}")
    if "scratch" in x.opts and not x.privileged:
        # no mount namespace for the tmpfs: the directory's size is sampled
        degraded.append("scratch")
        c.check(any("--scratch" in ln for ln in approx),
                f"--scratch is only sampled without privileges, but stderr does not say so: "
                f"{approx or x.stderr[-300:]!r}")
    if not degraded:
        c.check(not approx, f"nothing is degraded, yet stderr says: {approx}")


def v2_has(ctl):
    root = v2_mount()
    try:
        with open(os.path.join(root, "cgroup.controllers")) as f:
            return ctl in f.read().split()
    except (OSError, TypeError):
        return False


# ---- per program ----------------------------------------------------------------------------

def own_cpu(x):
    w = x.out.first("cpu")
    if not w or len(w) < 3:
        x.c.fail("the program printed no `cpu S user U` line")
        return None
    return float(w[0])


def close_to_own(x, cpu):
    own = own_cpu(x)
    if own is None or cpu is None:
        return
    slack = 0.08 + 0.1 * own  # tick-based accounting (fallback: 10 ms per process)
    x.c.check(abs(cpu - own) <= slack,
              f"cpu_time_s {cpu} differs from the program's own getrusage account {own} "
              f"by more than {slack:.3f}")


def check_knobs(x, ctl, v1want, v2want):
    """The limit is set in the run's group, as the program itself read it (`knob` lines):
    with a v1 hierarchy of `ctl` at /sys/fs/cgroup/CTL, or a v2 group with the controller
    (memory also without swap: memsw / swap.max).  A backend without the controller falls
    back (approximate) and is not asserted here."""
    backend = (x.res.get("environment") or {}).get("cgroup")
    if backend == "v1" and v1_at_usual(ctl):
        want = {k: v for k, v in v1want.items()
                if k != "memory.memsw.limit_in_bytes" or
                os.path.exists(f"{CG_ROOT}/memory/memory.memsw.limit_in_bytes")}
    elif backend == "v2" and v2_has(ctl):
        want = v2want
    else:
        return
    for k, v in want.items():
        x.c.check(x.out.knobs.get(k) == v, f"the program's own group has {k} = "
                  f"{x.out.knobs.get(k)!r}, want {v!r}")


def v1_at_usual(ctl):
    return v1_mounts().get(ctl) == f"{CG_ROOT}/{ctl}"


def check_mem(x):
    n, mib = int(x.args[0]), int(x.args[1])
    total = n * mib * MIB
    limit = x.opts.get("memory")
    peak = x.num("peak_memory_bytes")
    backend = (x.res.get("environment") or {}).get("cgroup")
    cg_mem = backend == "v1" or (backend == "v2" and v2_has("memory"))
    if limit is not None:
        check_knobs(x, "memory", {"memory.limit_in_bytes": str(limit),
                                  "memory.memsw.limit_in_bytes": str(limit)},
                    {"memory.max": str(limit), "memory.swap.max": "0"})
    if limit is not None and total > limit:
        x.want_verdict("memory-limit", {137})
        x.killed_by_sysward()
        x.c.check(x.out.first("done") is None, "the program finished although over the limit")
        if peak is not None:
            x.c.check(peak >= 0.75 * limit, f"peak_memory_bytes {peak} is not near the "
                      f"limit {limit} that was crossed")
            x.c.check(peak <= total + 128 * MIB, f"peak_memory_bytes {peak} > {total} + 128 MiB")
            if cg_mem:
                x.c.check(peak <= limit, f"peak_memory_bytes {peak} above the cgroup's "
                          f"limit {limit}")
    else:
        x.want_verdict("ok", {0})
        x.c.check(x.out.first("touched") == [str(n)], f"no `touched {n}` line")
        if peak is not None:
            x.c.check(peak >= total, f"peak_memory_bytes {peak} < {total} ({n} x {mib} MiB "
                      "were resident at once)")
            hi = limit if limit is not None else total + 128 * MIB
            x.c.check(peak <= hi, f"peak_memory_bytes {peak} > {hi}")
    procs = x.res.get("processes")
    if x.res.get("verdict") == "ok":
        x.c.check(procs == n + 1, f"processes {procs}, want {n + 1}")
    else:
        # killed once enough workers were resident: the last fork may not have happened
        need = -(-limit // (mib * MIB)) + 1 if limit else n + 1
        x.c.check(common.is_int(procs) and min(need, n + 1) <= procs <= n + 1,
                  f"processes {procs}, want {min(need, n + 1)}..{n + 1}")


def check_cpu(x):
    lim = x.opts.get("cpu-time")
    cpu = x.num("cpu_time_s")
    if x.args[0] == "inf":
        x.want_verdict("cpu-time-limit", {137})
        x.killed_by_sysward()
        if cpu is not None and lim is not None:
            x.c.check(lim <= cpu <= 2 * lim, f"cpu_time_s {cpu}, want within [{lim}, "
                      f"{2 * lim}] (the tree was killed when it crossed {lim} s)")
    else:
        secs = float(x.args[0])
        x.want_verdict("ok", {0})
        if cpu is not None:
            x.c.check(3 * secs * 0.9 <= cpu, f"cpu_time_s {cpu} < 0.9 x {3 * secs} (two "
                      f"threads and a child burnt {secs} s each)")
            if lim is not None:
                x.c.check(cpu < lim, f"cpu_time_s {cpu} >= the limit {lim} yet verdict ok")
        close_to_own(x, cpu)
    x.c.check(x.res.get("processes") == 2, f"processes {x.res.get('processes')}, want 2 "
              "(threads do not count)")


def check_wall(x):
    lim = x.opts.get("wall-time")
    x.want_verdict("wall-time-limit", {137})
    x.killed_by_sysward()
    w, cpu = x.num("wall_time_s"), x.num("cpu_time_s")
    if w is not None and lim is not None:
        x.c.check(lim <= w <= lim + 5, f"wall_time_s {w}, want within [{lim}, {lim + 5}]")
    if cpu is not None and lim is not None:
        x.c.check(cpu < lim, f"cpu_time_s {cpu}: a program blocked in read() used CPU")


def check_bomb(x):
    mx = int(x.args[0])
    pids = x.opts.get("pids")
    procs = x.res.get("processes")
    if pids is not None:
        check_knobs(x, "pids", {"pids.max": str(pids)}, {"pids.max": str(pids)})
    if pids is not None and pids < mx:
        x.want_verdict("pids-limit", {137})
        x.killed_by_sysward()
        x.c.check(x.out.first("created") is None, "the bomb completed under --pids")
        if common.is_int(procs):
            x.c.check(procs <= mx, f"processes {procs} > the bomb's own cap {mx}")
            backend = (x.res.get("environment") or {}).get("cgroup")
            if backend == "v1" and "pids" in v1_mounts():
                x.c.check(procs <= pids, f"processes {procs} > --pids {pids}: the pids "
                          "controller lets no more exist (none of them exits)")
    else:
        x.want_verdict("ok", {0})
        x.c.check(x.out.first("created") == [str(mx)], f"no `created {mx}` line")
        x.c.check(procs == mx, f"processes {procs}, want {mx}")


def check_write(x):
    cap = int(x.args[0]) * MIB
    fsize = x.opts.get("fsize")
    path = os.path.join(x.dir, "out.bin")
    size = os.path.getsize(path) if os.path.exists(path) else None
    if fsize is not None and fsize < cap:
        x.want_verdict("output-limit", {128 + SIGXFSZ})
        x.c.check(x.res.get("signal") == SIGXFSZ, f"signal {x.res.get('signal')!r}, want "
                  f"{SIGXFSZ} (SIGXFSZ)")
        x.c.check(size == fsize, f"out.bin is {size} bytes, want exactly --fsize {fsize}")
    else:
        x.want_verdict("ok", {0})
        x.c.check(size == cap, f"out.bin is {size} bytes, want {cap}")
    for core in glob.glob(os.path.join(x.dir, "core*")):
        x.c.fail(f"a core file was left: {core}")


def check_scratch(x):
    n, kib, code = int(x.args[0]), int(x.args[1]), int(x.args[2])
    size = x.opts.get("scratch")
    cwd = x.out.first("cwd")
    if not x.c.check(cwd, "the program printed no `cwd` line"):
        return
    cwd = cwd[0]
    x.c.check(cwd != x.dir and os.path.basename(cwd).startswith("sysward-scratch-"),
              f"the program ran in {cwd}, not in a new scratch directory")
    x.c.check(not os.path.lexists(cwd), f"the scratch directory {cwd} is still there")
    stray = glob.glob(os.path.join(x.dir, "f[0-9][0-9][0-9][0-9]"))
    x.c.check(not stray, f"files written to the row's directory, not the scratch: {stray[:3]}")
    env = x.res.get("environment") or {}
    if x.privileged:
        x.c.check("mnt" in env.get("namespaces", []), f"root: want a tmpfs scratch in a "
                  f"mount namespace, environment.namespaces {env.get('namespaces')!r}")
    if size is not None and n * kib * 1024 > size:
        x.want_verdict("output-limit", {code, 137})
        if x.status == 0:
            print(f"note: status 0 with verdict output-limit (the program exited 0 before "
                  f"sysward killed it)")
    else:
        x.want_verdict("ok", {0})
        x.c.check(x.out.first("written") == [str(n), "failed", "0"],
                  f"want `written {n} failed 0`, got {x.out.first('written')}")


def check_orphans(x):
    x.want_verdict("ok", {0})
    x.c.check(x.res.get("processes") == 4, f"processes {x.res.get('processes')}, want 4 "
              "(main, the daemon's middle process, the daemon, the SIGTERM-ignoring child)")
    x.c.check(len(x.out.pids) == 2, f"the program reported {len(x.out.pids)} pids, want 2")


def check_stats(x):
    n, secs = int(x.args[0]), float(x.args[1])
    x.want_verdict("ok", {0})
    x.c.check(x.res.get("processes") == n + 1,
              f"processes {x.res.get('processes')}, want {n + 1}")
    cpu, user = x.num("cpu_time_s"), x.num("user_time_s")
    want = (n + 1) * secs
    lo, hi = round(0.66 * want, 3), round(2.5 * want, 3)
    if cpu is not None:
        x.c.check(lo <= cpu <= hi, f"cpu_time_s {cpu}, want within [{lo}, {hi}] "
                  f"({n + 1} processes x {secs} s)")
    x.c.check(user is not None and user > 0, f"user_time_s {user!r}, want > 0")
    close_to_own(x, cpu)


PROGRAMS = {"lim-mem": check_mem, "lim-cpu": check_cpu, "lim-wall": check_wall,
            "lim-bomb": check_bomb, "lim-write": check_write, "lim-scratch": check_scratch,
            "lim-orphans": check_orphans, "lim-stats": check_stats}


def check_all(x):
    check_common(x)
    fn = PROGRAMS.get(x.prog)
    if fn is None:
        x.c.fail(f"limits_lib knows no program {x.prog!r}")
    elif x.res:
        fn(x)


def sysward_pid_of(run):
    starts = run.of("start")
    return starts[0].get("pid") if starts else None


if __name__ == "__main__":
    print("limits_lib is a module for the limits_* checks")
