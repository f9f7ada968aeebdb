#!/usr/bin/env python3
"""learn_secrets (a driver check): a program that tries secrets of the default profile
(/etc/shadow, /root, another process's /proc/PID/environ) and reads /etc/hostname.

  1. `sysward learn -o DIR/learned.policy -a DIR/learn.jsonl -- PROGRAM ARGS` exits with the
     program's status (0: its last command succeeds);
  2. no statement of the learned policy names a secret, and a `# left denied:` comment names
     each one the run tried; /etc/hostname is granted;
  3. run again under the learned policy alone: exit 0, and the only refusals in its trail
     are of the secrets, with EACCES.
"""
import os
import re
import sys

import common
import learn_lib as L

SECRETS = ("/etc/shadow", "/root", "/proc/1/environ")


def main():
    c = common.Checker("learn_secrets")
    row = L.Row()
    learned = os.path.join(row.dir, "learned.policy")

    row.fresh_work()
    p = row.learn(learned, os.path.join(row.dir, "learn.jsonl"))
    if not c.check(p.returncode == 0, f"learn exited {p.returncode}: {L.output_of(p)}"):
        c.done()
    text = L.read(learned)
    stmts = L.statements(text)
    for s in SECRETS:
        named = [x for x in stmts if re.search(re.escape(s) + r"(?=/|\s|$)", x)]
        c.check(not named, f"statements name the secret {s}: {named}")
        c.check(re.search(r"^# left denied: the run tried to \S+ " + re.escape(s) + " ",
                          text, re.M), f"no `left denied` comment for {s}")
    c.check("allow read /etc/hostname" in stmts, "/etc/hostname is not granted")

    row.fresh_work()
    rerun = os.path.join(row.dir, "rerun.jsonl")
    p = row.run(learned, rerun, os.path.join(row.dir, "rerun-result.json"))
    c.check(p.returncode == 0, f"the run under the learned policy exited {p.returncode}")
    bad = L.refusals(L.events(rerun))
    c.check(bad, "nothing was refused: the secrets were granted")
    for e in bad:
        res = e.get("args", {}).get("resolved", "")
        c.check(any(res == s or res.startswith(s + "/") for s in SECRETS) and
                e.get("errno") == "EACCES", f"refused something else: {L.describe(e)}")
    c.done()


if __name__ == "__main__":
    sys.exit(main())
