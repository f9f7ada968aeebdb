#!/usr/bin/env python3
"""serve_lib: helpers for the `sysward serve` driver checks (checks/serve_*.py); not a check.

Server(d, c)      starts `$SYSWARD serve --socket d/s.sock ...`, waits (at most 5 s, the
                  issue's target) for its "serving on" line, and keeps its stderr in
                  d/serve.stderr; stop() sends SIGTERM and checks the clean exit.
Client(path)      a protocol client written from docs/PROTOCOL.md alone: frames, the
                  greeting and its memfd, requests with descriptors (SCM_RIGHTS).
wait_gone(...)    poll() on pidfds until every process has exited (no sleeps).
workers_of(pid)   a server's workers, held by pidfds (a worker exits after its teardown).
run_cgroups(pid)  the run cgroups `srv<pid>-*` a server has, in every hierarchy.
tree_of(token)    processes whose argv carries a token, each held by a pidfd.
Only processes these checks started are ever signalled, by pid or pidfd.
"""
import ctypes
import glob
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

from common import cmdline, kill_all, wait_gone  # noqa: F401 (the serve checks use them from here)

SYSWARD = os.environ.get("SYSWARD", "")
TT_BIN = os.environ.get("TT_BIN", "")
JOB = os.path.join(TT_BIN, "serve", "serve-job")
START_TIMEOUT = 5.0


class Server:
    def __init__(self, d, c, args=(), sock="s.sock", env=None, preexec_fn=None):
        self.d, self.c = d, c
        self.sock = os.path.join(d, sock)
        self.log = []
        self.cmd = [SYSWARD, "serve", "--socket", self.sock, *args]

        def preexec():
            # the server goes (in order) when this check goes, however it ends
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
            if preexec_fn:
                preexec_fn()

        self.p = subprocess.Popen(self.cmd, cwd=d, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                  preexec_fn=preexec)
        self.pid = self.p.pid
        self.ready = False
        deadline = time.monotonic() + START_TIMEOUT
        fd = self.p.stderr.fileno()
        buf = b""
        while not self.ready:
            left = deadline - time.monotonic()
            r = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
            if not r:
                c.fail(f"the server did not say 'serving on' within {START_TIMEOUT} s: {buf!r}")
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                c.fail(f"the server ended at start (status {self.p.wait()}): {buf!r}")
                break
            buf += chunk
            self.ready = b"sysward: serving on " in buf
        self.log.append(buf.decode("utf-8", "replace"))
        self.cond = threading.Condition()
        # keep draining its stderr so that it never blocks on a full pipe
        self.t = threading.Thread(target=self._drain, daemon=True)
        self.t.start()

    def _drain(self):
        fd = self.p.stderr.fileno()
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            with self.cond:
                self.log.append(chunk.decode("utf-8", "replace"))
                self.cond.notify_all()

    def wait_log(self, text, timeout):
        """Wait until the server's stderr contains text; whether it did."""
        with self.cond:
            return self.cond.wait_for(lambda: text in "".join(self.log), timeout)

    def text(self):
        return "".join(self.log)

    def submit(self, args, **kw):
        """`sysward submit --socket S ARGS...` as subprocess.run(**kw)."""
        kw.setdefault("cwd", self.d)
        kw.setdefault("timeout", 60)
        return subprocess.run([SYSWARD, "submit", "--socket", self.sock, *args], **kw)

    def stop(self, want_status=0, timeout=10):
        """SIGTERM; the server must exit with want_status and remove its socket and cgroups."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            st = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.c.fail(f"the server did not exit within {timeout} s of SIGTERM")
            self.p.kill()
            st = self.p.wait()
        self.t.join(timeout=5)
        with open(os.path.join(self.d, "serve.stderr"), "a") as f:
            f.write(self.text())
        self.c.check(st == want_status, f"the server exited with {st}, want {want_status}")
        self.c.check(not os.path.exists(self.sock), "the server left its socket behind")
        left = run_cgroups(self.pid)
        self.c.check(not left, f"the server left run cgroups behind: {left}")
        empty = empty_parents()
        self.c.check(not empty, f"the server left empty `sysward` parents behind: {empty}")
        return st

    def kill(self, sig=signal.SIGKILL):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        st = self.p.wait(timeout=10)
        self.t.join(timeout=5)
        with open(os.path.join(self.d, "serve.stderr"), "a") as f:
            f.write(self.text())
        return st


def run_cgroups(server_pid):
    """Run cgroup directories `srv<pid>-*` of one server, in every hierarchy."""
    pats = [f"/sys/fs/cgroup/*/sysward/srv{server_pid}-*", f"/sys/fs/cgroup/sysward/srv{server_pid}-*",
            f"/sys/fs/cgroup/unified/sysward/srv{server_pid}-*"]
    out = set()
    for p in pats:
        out.update(x for x in glob.glob(p) if os.path.isdir(x))
    return sorted(out)


def empty_parents():
    """`sysward` parent cgroups with no group in them: nobody's, so whoever left them did
    not clean up (one holding a group is another sysward's, still in use)."""
    out = []
    for p in glob.glob("/sys/fs/cgroup/*/sysward") + glob.glob("/sys/fs/cgroup/sysward"):
        if os.path.isdir(p) and not any(e.is_dir() for e in os.scandir(p)):
            out.append(p)
    return sorted(out)


# ---- the protocol, from docs/PROTOCOL.md ----------------------------------------------

MAX_FRAME = 1 << 20


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.greeting, fds = self.recv()
        self.report = fds[0] if fds else None

    def close(self):
        self.s.close()
        if self.report is not None:
            os.close(self.report)
            self.report = None

    def send_raw(self, data, fds=()):
        if fds:
            socket.send_fds(self.s, [data], list(fds))
            return
        self.s.sendall(data)

    def send(self, obj, fds=()):
        body = json.dumps(obj).encode()
        self.send_raw(struct.pack(">I", len(body)) + body, fds)

    def _recv_exact(self, n, fds):
        buf = b""
        while len(buf) < n:
            data, got, _flags, _addr = socket.recv_fds(self.s, n - len(buf), 8)
            fds.extend(got)
            if not data:
                return None
            buf += data
        return buf

    def recv(self, timeout=None):
        """One frame: (object, [fds]); (None, []) at end of file."""
        self.s.settimeout(timeout)
        fds = []
        hdr = self._recv_exact(4, fds)
        if hdr is None:
            return None, fds
        n = struct.unpack(">I", hdr)[0]
        body = self._recv_exact(n, fds)
        if body is None:
            return None, fds
        return json.loads(body), fds

    def eof(self, timeout):
        """Does the server close the connection within timeout seconds?"""
        self.s.settimeout(timeout)
        try:
            return self.s.recv(1) == b""
        except ConnectionResetError:
            return True  # closed with our unread bytes in its queue: still closed
        except socket.timeout:
            return False


def copy_job(d):
    """serve-job copied into d: the default profile executes files of the working directory."""
    dst = os.path.join(d, "serve-job")
    if not os.path.exists(dst):
        shutil.copy2(JOB, dst)
    return dst


def workers_of(server_pid):
    """{pid: pidfd} of a server's workers (children named sysward-worker)."""
    out = {}
    try:
        with open(f"/proc/{server_pid}/task/{server_pid}/children") as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        return out
    for pid in kids:
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            comm = ""
        if comm == "sysward-worker":
            out[pid] = fd
        else:
            os.close(fd)
    return out


def request(argv, cwd="/", **kw):
    r = {"argv": argv, "cwd": cwd, "env": ["PATH=/usr/bin:/bin"]}
    r.update(kw)
    return r


# ---- processes -----------------------------------------------------------------------



def tree_of(token, exclude=()):
    """{pid: pidfd} of the processes whose argv carries token (checked again once held)."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in exclude:
            continue
        pid = int(name)
        if token not in cmdline(pid):
            continue
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            continue
        if token in cmdline(pid):
            out[pid] = fd
        else:
            os.close(fd)
    return out


def read_lines_until(fd, want, timeout, c):
    """Read lines from fd until one equals want; the lines before it."""
    deadline = time.monotonic() + timeout
    buf, lines = b"", []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            c.fail(f"no {want!r} within {timeout} s; got {buf!r}")
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            c.fail(f"end of file before {want!r}; got {buf!r}")
            return None
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line == want:
                return lines
            lines.append(line)






def cgroup_dirs_of(pid):
    """The cgroup directories (in the v1 hierarchies) a process is in, from /proc/PID/cgroup."""
    out = []
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return out
    for ln in lines:
        _, ctls, path = ln.split(":", 2)
        for ctl in ctls.split(","):
            d = f"/sys/fs/cgroup/{ctl}{path}"
            if ctl and os.path.isdir(d) and "/sysward/" in d:
                out.append(d)
    return out
