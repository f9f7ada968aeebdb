#!/usr/bin/env python3
"""learn_lib: helpers of the learn_* driver checks (tracee-tests/learn/expected.tsv).

Not a check itself.  The checks run sysward with a fixed, small environment (PATH=/usr/bin:/bin,
HOME the working directory, LANG=C) so that a learned policy does not depend on the
environment of whoever runs the tests (a PATH through a home directory would make the
program probe names the learned policy must leave denied), and with stdin from /dev/null
and stdout/stderr on pipes (a file they were redirected to would be learned by name: the
program fstat()s its standard streams).
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LEARN_DIR = os.path.join(os.path.dirname(HERE), "learn")
TIMEOUT = 60

SECRET_MENTION = re.compile(r"/etc/shadow|/root(?=/|\s|$)")


class Row:
    """The row this check runs for (see run-tests.sh: driver rows)."""

    def __init__(self):
        self.dir = os.path.abspath(sys.argv[1])
        self.sysward = os.environ["SYSWARD"]
        self.program = os.environ["TT_PROGRAM"]
        self.options = os.environ.get("TT_OPTIONS", "").split()
        self.args = shlex.split(os.environ.get("TT_ARGS", ""))
        self.work = os.path.join(self.dir, "work")

    def env(self):
        return {"PATH": "/usr/bin:/bin", "HOME": self.work, "LANG": "C"}

    def fresh_work(self):
        """An empty DIR/work with the fixtures (x.c, fixture.mk as Makefile)."""
        shutil.rmtree(self.work, ignore_errors=True)
        os.mkdir(self.work)
        shutil.copy(os.path.join(LEARN_DIR, "x.c"), self.work)
        shutil.copy(os.path.join(LEARN_DIR, "fixture.mk"), os.path.join(self.work, "Makefile"))

    def sysward_cmd(self, *argv, cwd=None, name="cmd"):
        """Run sysward ARGV in cwd (default DIR/work); save the command and its output."""
        cmd = [self.sysward, *argv]
        with open(os.path.join(self.dir, name + ".cmd"), "w") as f:
            f.write(" ".join(shlex.quote(a) for a in cmd) + "\n")
        p = subprocess.run(cmd, cwd=cwd or self.work, env=self.env(), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        for stream, data in (("stdout", p.stdout), ("stderr", p.stderr)):
            with open(os.path.join(self.dir, f"{name}.{stream}"), "wb") as f:
                f.write(data)
        return p

    def learn(self, policy, trail, name="learn"):
        return self.sysward_cmd("learn", "-o", policy, "-a", trail, *self.options, "--",
                                self.program, *self.args, name=name)

    def run(self, policy, trail, result, name="rerun"):
        return self.sysward_cmd("run", "-p", policy, "-a", trail, "-r", result, *self.options,
                                "--", self.program, *self.args, name=name)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def statements(text):
    """The statement lines of a policy, without comments."""
    out = []
    for line in text.splitlines():
        s = re.sub(r"(^|\s)#.*$", "", line).strip()
        if s:
            out.append(s)
    return out


def events(path):
    with open(path, "rb") as f:
        return [json.loads(line) for line in f.read().decode("utf-8").splitlines() if line]


def refusals(evs):
    """The policy decisions other than allow in a trail."""
    return [e for e in evs if e.get("event") == "syscall" and e.get("decision") != "allow"]


def describe(e):
    a = e.get("args", {})
    return (f"{e.get('syscall')} {a.get('resolved') or a.get('addr') or a.get('family') or ''}"
            f" -> {e.get('decision')} ({e.get('rule')})")


def output_of(p):
    return (p.stderr or b"").decode("utf-8", "replace").strip()[-2000:]
