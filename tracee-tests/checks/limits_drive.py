#!/usr/bin/env python3
"""limits_drive (a driver check: the row's expected-status is `driver`): runs sysward itself,
so that it can give the tree a unique argv token, watch it from the outside while it lives,
choose sysward's environment, and look again once sysward has returned.

    $PREFIX $SYSWARD run -a DIR/audit.jsonl -r DIR/result.json $TT_OPTIONS \\
        -- $TT_PROGRAM $TT_ARGS TOKEN

in DIR, stdin and stdout on pipes.  The mode is the check's name:

  limits_drive         sysward as it is (backend from the mounts)
  limits_drive_none    SYSWARD_CGROUP=none: the no-cgroup fallback
  limits_drive_v2      inside tracee-tests/cgroup2-ns.sh (a cgroup2 mount at /sys/fs/cgroup,
                       SYSWARD_CGROUP=v2); skipped when that script exits 77
  limits_drive_unpriv  as uid/gid 65534 through `setpriv --reuid=65534 --regid=65534
                       --clear-groups` (DIR is made writable for it): must run with
                       environment.cgroup "none" and privileged false, or refuse with exit
                       125 and a message on stderr (then the row is skipped, showing it)
  limits_drive_kill    SIGKILL sysward once the program printed `ready`: the whole tree must
                       die with it (only for programs that print `ready`)

While sysward runs: each `pid N` line gets a pidfd at once (re-checked to carry TOKEN), and
at `ready` every process of the tree found by TOKEN in /proc/*/cmdline gets one too; then
stdin is closed (the program's go) or, in kill mode, sysward is killed.  No sleeps: poll()
on sysward's pidfd and stdout.

After sysward returned: every pidfd must be readable (the process exited) within
GONE_GRACE s, and no process carrying TOKEN may be left; then the result record, trail,
cgroups and side effects are asserted by limits_lib (the same as plain rows), with the
backend of the mode.  Only processes this script started are signalled: sysward by its
pid, survivors by their pidfds.
"""
import os
import select
import shutil
import subprocess
import sys
import time
import uuid

import common
import limits_lib as L

RUN_TIMEOUT = 15   # hang guard for sysward itself (rows use --wall-time 10 at most)
GONE_GRACE = 1.0   # after sysward returned, its tree must be gone within this
KILL_GRACE = 10.0  # after sysward was SIGKILLed (PDEATHSIG/EXITKILL work asynchronously)
HERE = os.path.dirname(os.path.abspath(__file__))




def token_pids(token):
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc")
            if p.isdigit() and int(p) != me and token in common.cmdline(int(p))]


def state(pid):
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(") ", 1)[1][0]
    except (OSError, IndexError):
        return "?"


def tracee_states(tracer):
    """`pid:state:wchan` of the processes traced by `tracer` (to diagnose a hang)."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            status = open(f"/proc/{p}/status").read()
        except OSError:
            continue
        if f"\nTracerPid:\t{tracer}\n" in status:
            try:
                wchan = open(f"/proc/{p}/wchan").read()
            except OSError:
                wchan = "?"
            out.append(f"{p}:{state(int(p))}:{wchan}")
    return out[:20] + ([f"... {len(out)} in all"] if len(out) > 20 else [])


def readable(pfd, timeout):
    r, _, _ = select.select([pfd], [], [], timeout)
    return bool(r)


def drive(mode):
    d = sys.argv[1]
    c = common.Checker(f"limits_drive_{mode}" if mode != "host" else "limits_drive")
    sysward = os.environ["SYSWARD"]
    prog = os.environ["TT_PROGRAM"]
    opts = os.environ.get("TT_OPTIONS", "")
    args = os.environ.get("TT_ARGS", "")
    token = f"limits-{uuid.uuid4().hex}"
    env = dict(os.environ)
    env.pop("SYSWARD_CGROUP", None)
    env.pop("SYSWARD_CGROUP_ROOT", None)
    prefix = []
    privileged = os.geteuid() == 0
    backend = L.auto_backend() if privileged else None
    if mode == "none":
        env["SYSWARD_CGROUP"] = "none"
        backend = "none"
    elif mode == "v2":
        prefix = [os.path.join(HERE, "..", "cgroup2-ns.sh")]
        backend = "v2"
    elif mode == "unpriv":
        if os.geteuid() != 0:
            common.skip("needs root to switch to uid 65534")
        if not shutil.which("setpriv"):
            common.skip("setpriv(1) not found")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        os.chmod(d, 0o777)
        backend, privileged = "none", False

    cmd = prefix + [sysward, "run", "-a", os.path.join(d, "audit.jsonl"),
                    "-r", os.path.join(d, "result.json"), *opts.split(),
                    "--", prog, *args.split(), token]
    with open(os.path.join(d, "cmd"), "w") as f:
        f.write(" ".join(cmd) + "\n")
    err = open(os.path.join(d, "stderr"), "wb")
    sw = subprocess.Popen(cmd, cwd=d, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=err)
    swfd = os.pidfd_open(sw.pid)
    pidfds = {}      # pid -> pidfd, processes of the tree seen alive
    out = b""
    buf = b""
    ready = False
    killed_sysward = False

    def watch(pid):
        if pid in pidfds:
            return
        try:
            pfd = os.pidfd_open(pid)
        except OSError:
            c.fail(f"pid {pid} was already gone when it was reported")
            return
        if token in common.cmdline(pid):  # still the same process now that we hold it
            pidfds[pid] = pfd
        else:
            os.close(pfd)

    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        outfd = sw.stdout.fileno()
        poller = select.poll()
        poller.register(outfd, select.POLLIN)
        poller.register(swfd, select.POLLIN)
        out_open, sw_done, hung = True, False, False
        while out_open and not sw_done:
            left = deadline - time.monotonic()
            if left <= 0:
                hung = True
                break
            for fd, _ in poller.poll(int(left * 1000) + 1):
                if fd == swfd:
                    sw_done = True
                    continue
                chunk = os.read(outfd, 65536)
                if not chunk:
                    out_open = False
                    poller.unregister(outfd)
                    continue
                out += chunk
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    w = line.split()
                    if len(w) == 2 and w[0] == b"pid" and w[1].isdigit():
                        watch(int(w[1]))
                    elif line == b"ready" and not ready:
                        ready = True
                        for pid in token_pids(token):
                            if pid != sw.pid:
                                watch(pid)
                        if mode == "kill":
                            sw.kill()
                            killed_sysward = True
                        else:
                            sw.stdin.close()
        if sw.poll() is None and not sw_done:
            # stdout closed first (normal: the tree is gone); wait for sysward itself
            left = max(0.0, deadline - time.monotonic())
            hung = hung or not readable(swfd, left)
        if hung:
            c.fail(f"hang guard: sysward still running after {RUN_TIMEOUT}s (SIGKILLed now); "
                   f"its tracees: {tracee_states(sw.pid)}")
            sw.kill()
        status = sw.wait()
        gone_at = time.monotonic()
        # what is still buffered (a survivor may hold the pipe: do not wait for EOF)
        while out_open and readable(outfd, 0):
            chunk = os.read(outfd, 65536)
            if not chunk:
                break
            out += chunk
        if not sw.stdin.closed:
            sw.stdin.close()

        # the moment of the test: nothing of the tree outlives sysward
        grace = KILL_GRACE if killed_sysward else GONE_GRACE
        for pid, pfd in sorted(pidfds.items()):
            if readable(pfd, 0):
                continue
            left = gone_at + grace - time.monotonic()
            if readable(pfd, max(0.0, left)):
                print(f"note: pid {pid} exited {time.monotonic() - gone_at:.3f}s after "
                      "sysward returned")
                continue
            c.fail(f"pid {pid} ({state(pid)}) still alive {grace}s after sysward returned: "
                   f"{common.cmdline(pid)!r}")
        for pid in token_pids(token):
            if pid in pidfds or pid == sw.pid:
                continue
            try:
                pfd = os.pidfd_open(pid)
            except OSError:
                continue
            if token not in common.cmdline(pid):
                os.close(pfd)
                continue
            pidfds[pid] = pfd
            if not readable(pfd, GONE_GRACE):
                c.fail(f"pid {pid} ({state(pid)}) of the run survived sysward: "
                       f"{common.cmdline(pid)!r}")
    finally:
        if sw.poll() is None:
            sw.kill()
            sw.wait()
        common.kill_all(pidfds)  # clean up survivors: ours, by pidfd
        os.close(swfd)
        err.close()

    with open(os.path.join(d, "stdout"), "wb") as f:
        f.write(out)
    with open(os.path.join(d, "status"), "w") as f:
        f.write(f"{status}\n")
    stderr = open(os.path.join(d, "stderr"), encoding="utf-8", errors="replace").read()

    if mode == "v2" and status == 77 and not os.path.exists(os.path.join(d, "result.json")):
        common.skip(f"cgroup2-ns.sh cannot run here: {stderr.strip()[-200:]}")
    if mode == "unpriv" and status == 125:
        msg = [ln for ln in stderr.splitlines() if ln.startswith("sysward:")]
        if msg:
            common.skip(f"unprivileged run refused: {msg[-1]}")
        c.fail(f"status 125 without a `sysward: ...` message: {stderr[-300:]!r}")
        c.done()

    if killed_sysward:
        c.check(ready, "the program never printed `ready`")
        c.check(len(pidfds) >= 2, f"only {len(pidfds)} processes of the tree were watched")
        events = common.parse_trail(os.path.join(d, "audit.jsonl"), c, require_end=False)
        c.check(not [e for e in events if e.get("event") == "end"],
                "the trail of a killed sysward has an end event")
        # a killed sysward cannot remove its groups: say so, the next runs leave them be
        left = [p for p in L.glob.glob(f"{L.CG_ROOT}/*/sysward/run-{sw.pid}-*")]
        if left:
            print(f"note: a SIGKILLed sysward leaves its cgroups behind: {left}")
            for p in left:  # ours (this sysward's, now empty): tidy up
                try:
                    os.rmdir(p)
                except OSError:
                    pass
        c.done()

    if L.PROGRAMS.get(os.path.basename(prog)) is L.check_orphans:
        c.check(ready, "the program never printed `ready`")
        c.check(len(pidfds) >= 2, f"only {len(pidfds)} processes were watched while alive")
    run = common.Run(d, c)
    x = L.Ctx(c, d, run, status, out.decode("utf-8", "replace"), stderr, prog, args, opts,
              backend, privileged, L.sysward_pid_of(run))
    L.check_all(x)
    c.done()


def main():
    name = os.path.basename(sys.argv[0])[:-3]
    mode = name[len("limits_drive_"):] if name.startswith("limits_drive_") else "host"
    drive(mode)


if __name__ == "__main__":
    main()
