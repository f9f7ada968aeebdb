#!/usr/bin/env python3
"""common: the check applied to every row of expected.tsv, and helpers for the others.

Run as `python3 checks/common.py DIR` (DIR holds audit.jsonl, result.json, status, stdout,
stderr, as written by run-tests.sh), it asserts what INTERFACE.md promises of every run:

  audit.jsonl  every line is whole (ends in a newline), strict UTF-8 and one JSON object;
               the first event is `start`, the last `end`, each exactly once; `ts` never
               goes backwards; each event has the keys and types of its kind.
  result.json  one JSON object with every key INTERFACE.md lists, of the right type;
               `environment.kernel` is this machine's release.
  status       agrees with the result record: 0 <-> verdict ok/exit 0; nonzero-exit ->
               exit_code == status; signaled -> signal == status - 128.

Other checks `import common` and use Trail/Checker below; each exits 0 (pass), 1 (fail,
reasons printed) or 77 (skip).
"""
import json
import os
import select
import signal
import sys
import time

EVENTS = {"start", "syscall", "exec", "spawn", "exit", "limit", "end"}
ARCHES = {"x86_64", "i386", "x32", "aarch64"}
DECISIONS = {"allow", "deny", "kill"}
ACTIONS = {"allow", "deny", "kill", "rewrite"}
VERDICTS = {"ok", "nonzero-exit", "signaled", "cpu-time-limit", "wall-time-limit",
            "memory-limit", "pids-limit", "output-limit", "policy-kill", "internal-error"}


class Checker:
    """Collects failed assertions; done() prints them and exits."""

    def __init__(self, name):
        self.name = name
        self.errors = []

    def check(self, cond, msg):
        if not cond:
            self.errors.append(msg)
        return cond

    def fail(self, msg):
        self.errors.append(msg)

    def done(self):
        if self.errors:
            shown = self.errors[:40]
            for e in shown:
                print(f"{self.name}: {e}")
            if len(self.errors) > len(shown):
                print(f"{self.name}: ... and {len(self.errors) - len(shown)} more")
            sys.exit(1)
        sys.exit(0)


def skip(msg):
    print(msg)
    sys.exit(77)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def read_status(d):
    with open(os.path.join(d, "status")) as f:
        return int(f.read().strip())


def parse_trail(path, c, require_end=True):
    """Parse audit.jsonl strictly; record problems in c; return the list of events."""
    events = []
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        c.fail(f"cannot read the audit trail: {e}")
        return events
    if not data:
        c.fail("the audit trail is empty")
        return events
    if not data.endswith(b"\n"):
        c.fail("the audit trail does not end with a whole line")
    for no, raw in enumerate(data.split(b"\n")[:-1] if data.endswith(b"\n")
                             else data.split(b"\n"), 1):
        try:
            text = raw.decode("utf-8", "strict")
        except UnicodeDecodeError as e:
            c.fail(f"audit line {no} is not valid UTF-8 ({e}): {raw[:120]!r}")
            continue
        try:
            ev = json.loads(text)  # strict: raw control characters are rejected
        except ValueError as e:
            c.fail(f"audit line {no} is not JSON ({e}): {text[:200]}")
            continue
        if not isinstance(ev, dict):
            c.fail(f"audit line {no} is not a JSON object: {text[:200]}")
            continue
        ev["_line"] = no
        events.append(ev)
    check_events(events, c, require_end)
    return events


def check_events(events, c, require_end=True):
    if not events:
        return
    kinds = [e.get("event") for e in events]
    c.check(kinds[0] == "start", f"first event is {kinds[0]!r}, want 'start'")
    c.check(kinds.count("start") == 1, f"{kinds.count('start')} start events, want 1")
    if require_end:
        c.check(kinds[-1] == "end", f"last event is {kinds[-1]!r}, want 'end'")
        c.check(kinds.count("end") == 1, f"{kinds.count('end')} end events, want 1")
    last_ts = None
    for e in events:
        where = f"audit line {e['_line']} ({e.get('event')})"
        k = e.get("event")
        if not c.check(k in EVENTS, f"{where}: unknown event {k!r}"):
            continue
        ts = e.get("ts")
        if c.check(is_num(ts) and ts >= 0, f"{where}: ts {ts!r} is not a number >= 0"):
            c.check(last_ts is None or ts >= last_ts,
                    f"{where}: ts {ts} goes backwards (previous {last_ts})")
            last_ts = ts
        if k in ("syscall", "exec", "spawn", "exit"):
            for key in ("pid", "tid"):
                c.check(is_int(e.get(key)) and e.get(key) > 0,
                        f"{where}: {key} {e.get(key)!r} is not a positive integer")
        if k == "syscall":
            c.check(isinstance(e.get("syscall"), str) and e.get("syscall"),
                    f"{where}: syscall name {e.get('syscall')!r}")
            c.check(is_int(e.get("nr")), f"{where}: nr {e.get('nr')!r}")
            c.check(e.get("arch") in ARCHES, f"{where}: arch {e.get('arch')!r}")
            c.check(e.get("decision") in DECISIONS, f"{where}: decision {e.get('decision')!r}")
            c.check(e.get("action") in ACTIONS, f"{where}: action {e.get('action')!r}")
            c.check(isinstance(e.get("rule"), str) and e.get("rule"),
                    f"{where}: rule {e.get('rule')!r}")
            if "args" in e:
                c.check(isinstance(e["args"], dict), f"{where}: args is not an object")
            if e.get("action") == "deny":
                c.check(isinstance(e.get("errno"), str) and e.get("errno", "").startswith("E"),
                        f"{where}: denied without an errno name: {e.get('errno')!r}")
        elif k == "spawn":
            c.check(is_int(e.get("child")) and e.get("child") > 0,
                    f"{where}: child {e.get('child')!r}")
            c.check(isinstance(e.get("thread"), bool), f"{where}: thread {e.get('thread')!r}")
        elif k == "exec":
            c.check(isinstance(e.get("path"), str), f"{where}: path {e.get('path')!r}")
            argv = e.get("argv")
            c.check(isinstance(argv, list) and all(isinstance(a, str) for a in argv),
                    f"{where}: argv {argv!r} is not a list of strings")
        elif k == "exit":
            code, sig = e.get("exit_code"), e.get("signal")
            c.check((is_int(code) and sig is None) or (code is None and is_int(sig)),
                    f"{where}: want exactly one of exit_code {code!r} / signal {sig!r}")


RESULT_TYPES = {
    "verdict": str, "exit_code": (int, None), "signal": (int, None),
    "cpu_time_s": float, "user_time_s": float, "sys_time_s": float, "wall_time_s": float,
    "peak_memory_bytes": int, "processes": int, "trapped_syscalls": int,
    "denied_syscalls": int, "message": str, "environment": dict, "policy_sha256": str,
}


def parse_result(path, c):
    try:
        with open(path, "rb") as f:
            res = json.loads(f.read().decode("utf-8", "strict"))
    except (OSError, ValueError) as e:
        c.fail(f"result record: {e}")
        return None
    if not c.check(isinstance(res, dict), "result record is not a JSON object"):
        return None
    for key, t in RESULT_TYPES.items():
        if not c.check(key in res, f"result record: no key {key!r}"):
            continue
        v = res[key]
        if t is float:
            ok = is_num(v) and v >= 0
        elif t is int:
            ok = is_int(v) and v >= 0
        elif t == (int, None):
            ok = v is None or is_int(v)
        else:
            ok = isinstance(v, t)
        c.check(ok, f"result record: {key} = {v!r} is not a {t}")
    c.check(res.get("verdict") in VERDICTS, f"result record: verdict {res.get('verdict')!r}")
    sha = res.get("policy_sha256")
    c.check(isinstance(sha, str) and len(sha) == 64 and all(ch in "0123456789abcdef" for ch in sha),
            f"result record: policy_sha256 {sha!r} is not 64 lowercase hex digits")
    env = res.get("environment")
    if isinstance(env, dict):
        c.check(env.get("cgroup") in ("v1", "v2", "none"),
                f"environment.cgroup {env.get('cgroup')!r}")
        c.check(is_int(env.get("landlock_abi")) and env.get("landlock_abi") >= 0,
                f"environment.landlock_abi {env.get('landlock_abi')!r}")
        ns = env.get("namespaces")
        c.check(isinstance(ns, list) and all(isinstance(x, str) for x in ns),
                f"environment.namespaces {ns!r}")
        c.check(isinstance(env.get("privileged"), bool),
                f"environment.privileged {env.get('privileged')!r}")
        c.check(env.get("kernel") == os.uname().release,
                f"environment.kernel {env.get('kernel')!r}, want {os.uname().release!r}")
    if is_num(res.get("cpu_time_s")) and is_num(res.get("user_time_s")) \
            and is_num(res.get("sys_time_s")):
        c.check(abs(res["cpu_time_s"] - res["user_time_s"] - res["sys_time_s"]) <= 0.02,
                f"cpu_time_s {res['cpu_time_s']} != user {res['user_time_s']} + sys "
                f"{res['sys_time_s']}")
    return res


def check_status(res, status, c):
    """The exit status of `sysward run` and the result record must tell the same story."""
    if res is None:
        return
    v, code, sig = res.get("verdict"), res.get("exit_code"), res.get("signal")
    if status == 0:
        c.check(v == "ok" and code == 0 and sig is None,
                f"status 0 but verdict {v!r}, exit_code {code!r}, signal {sig!r}")
    if v == "ok":
        c.check(status == 0 and code == 0, f"verdict ok but status {status}, exit_code {code!r}")
    elif v == "nonzero-exit":
        c.check(code == status and code != 0 and sig is None,
                f"verdict nonzero-exit but status {status}, exit_code {code!r}, signal {sig!r}")
    elif v == "signaled":
        c.check(sig is not None and status == 128 + sig and code is None,
                f"verdict signaled but status {status}, exit_code {code!r}, signal {sig!r}")


class Run:
    """Everything a check may look at, for the row directory DIR."""

    def __init__(self, d, c, require_end=True):
        self.dir = d
        self.c = c
        self.status = read_status(d)
        self.events = parse_trail(os.path.join(d, "audit.jsonl"), c, require_end)
        self.result = parse_result(os.path.join(d, "result.json"), c)

    def of(self, kind):
        return [e for e in self.events if e.get("event") == kind]

    def syscalls(self, name=None):
        return [e for e in self.events if e.get("event") == "syscall"
                and (name is None or e.get("syscall") == name)]

    def text(self, name):
        try:
            with open(os.path.join(self.dir, name), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def lines(self, name):
        return [ln.split() for ln in self.text(name).splitlines() if ln.strip()]


# ---- processes the driver checks started (by pid or pidfd, never anyone else's) ---------

def cmdline(pid):
    """The argv of /proc/PID as one string ("" when it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def wait_gone(pidfds, timeout):
    """Wait (poll on pidfds) until each process exited; {pid: pidfd} of those still alive."""
    alive = dict(pidfds)
    byfd = {fd: pid for pid, fd in pidfds.items()}
    poller = select.poll()
    for fd in byfd:
        poller.register(fd, select.POLLIN)
    deadline = time.monotonic() + timeout
    while alive:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for fd, _ in poller.poll(int(left * 1000) + 1):
            poller.unregister(fd)
            alive.pop(byfd[fd], None)
    return alive


def kill_all(pidfds):
    """Clean up after a failure: SIGKILL our own leftovers through their pidfds."""
    for pid, fd in pidfds.items():
        try:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
        except OSError:
            pass
        select.select([fd], [], [], 5)
        os.close(fd)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: common.py DIR")
    c = Checker("common")
    run = Run(sys.argv[1], c)
    check_status(run.result, run.status, c)
    c.done()


if __name__ == "__main__":
    main()
