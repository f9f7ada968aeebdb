#!/usr/bin/env python3
"""learn_usage (a driver check): the command line of `sysward learn`.

The two forms are told apart by `--`: with it, what follows is a program to run and learn
from; without it, the only operand must be one AUDIT.jsonl file.  Asserts:
  - `learn -o P x.c` (no `--`, not a trail) and `learn -o P a.jsonl b.jsonl` exit 125 and
    say to put `--` before a program;
  - `learn -o P missing.jsonl` exits 125 naming the file; a file that is not a trail (no
    `start`) exits 125 and writes no P;
  - run options with a trail (`--memory 1G t.jsonl`) exit 125; `-a -` (a trail on stderr
    cannot be learned from) exits 125;
  - the run's exit status passes through: `-- PROGRAM -c 'exit 3'` exits 3 and still writes
    a valid policy; a program that does not exist exits 127;
  - `-o -` writes the policy to stdout, the same text as to a file;
  - without -a the trail goes to an unnamed file and the policy is learned from it.
"""
import os
import sys

import common
import learn_lib as L


def main():
    c = common.Checker("learn_usage")
    row = L.Row()
    d = row.dir
    sh = row.program
    row.fresh_work()

    def run(*argv, name):
        return row.sysward_cmd(*argv, cwd=d, name=name)

    p = run("learn", "-o", "p1", "x.c", name="no-dashdash")
    c.check(p.returncode == 125 and b"--" in p.stderr,
            f"learn -o p1 x.c: exit {p.returncode}, {L.output_of(p)!r}")
    p = run("learn", "-o", "p1", "a.jsonl", "b.jsonl", name="two-trails")
    c.check(p.returncode == 125, f"two trails: exit {p.returncode}")
    p = run("learn", "-o", "p1", "missing.jsonl", name="missing")
    c.check(p.returncode == 125 and b"missing.jsonl" in p.stderr,
            f"missing trail: exit {p.returncode}, {L.output_of(p)!r}")
    with open(os.path.join(d, "junk.jsonl"), "w") as f:
        f.write('{"event":"syscall"}\nnot json\n')
    p = run("learn", "-o", "p1", "junk.jsonl", name="junk")
    c.check(p.returncode == 125 and not os.path.exists(os.path.join(d, "p1")),
            f"not a trail: exit {p.returncode}, p1 exists: {os.path.exists(os.path.join(d, 'p1'))}")

    p = run("learn", "-o", "p2", "-a", os.path.join(d, "t.jsonl"), "--", sh, "-c", "exit 3",
            name="exit3")
    c.check(p.returncode == 3, f"learn from a run that exits 3: exit {p.returncode}, "
            f"{L.output_of(p)!r}")
    if c.check(os.path.exists(os.path.join(d, "p2")), "no policy after a run that exits 3"):
        chk = run("check-policy", "p2", name="check")
        c.check(chk.returncode == 0, f"check-policy p2: {L.output_of(chk)}")
        p = run("learn", "-o", "-", "t.jsonl", name="stdout")
        c.check(p.returncode == 0 and p.stdout.decode() == L.read(os.path.join(d, "p2")),
                f"-o - gives another text (exit {p.returncode})")
    p = run("learn", "-o", "p3", "--memory", "1G", "t.jsonl", name="run-option")
    c.check(p.returncode == 125, f"a run option with a trail: exit {p.returncode}")
    p = run("learn", "-o", "p3", "-a", "-", "--", sh, "-c", "true", name="audit-stderr")
    c.check(p.returncode == 125, f"-a -: exit {p.returncode}")
    p = run("learn", "-o", "p5", "--", sh, "-c", "cat /etc/hostname", name="unnamed-trail")
    c.check(p.returncode == 0 and "allow read /etc/hostname" in
            L.statements(L.read(os.path.join(d, "p5"))) if p.returncode == 0 else False,
            f"learning with the trail in an unnamed file: exit {p.returncode}, "
            f"{L.output_of(p)!r}")
    p = run("learn", "-o", "p4", "--", "/nonexistent/program", name="not-found")
    c.check(p.returncode == 127, f"a program that does not exist: exit {p.returncode}")
    c.done()


if __name__ == "__main__":
    sys.exit(main())
