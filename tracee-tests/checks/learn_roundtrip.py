#!/usr/bin/env python3
"""learn_roundtrip (a driver check): learn a policy for PROGRAM ARGS, then run it again under
that policy alone and assert that nothing is refused.

In DIR/work (x.c, and fixture.mk as Makefile):
  1. `sysward learn -o DIR/learned.policy -a DIR/learn.jsonl OPTIONS -- PROGRAM ARGS`
     exits 0; the policy is valid (`check-policy`), begins with `default deny`, and does not
     mention /etc/shadow or /root anywhere (the run does not touch them in this environment);
  2. `sysward learn -o DIR/from-trail.policy DIR/learn.jsonl` (the trail form) exits 0 and
     writes the same text;
  3. in a fresh DIR/work, `sysward run -p DIR/learned.policy -a DIR/rerun.jsonl -r ... OPTIONS
     -- PROGRAM ARGS` (no profile: the learned policy is all there is) exits 0, its result
     verdict is ok, and its trail holds no `deny` or `kill` decision; what the program was to
     produce is there (x.o when it compiles x.c).
"""
import os
import sys

import common
import learn_lib as L


def main():
    c = common.Checker("learn_roundtrip")
    row = L.Row()
    d = row.dir
    learned = os.path.join(d, "learned.policy")
    trail = os.path.join(d, "learn.jsonl")

    row.fresh_work()
    p = row.learn(learned, trail)
    if not c.check(p.returncode == 0, f"learn exited {p.returncode}: {L.output_of(p)}"):
        c.done()
    text = L.read(learned)
    c.check(text.startswith("default deny\n"), "the learned policy does not begin with "
            f"`default deny`: {text[:80]!r}")
    m = L.SECRET_MENTION.search(text)
    c.check(not m, f"the learned policy mentions {m.group(0) if m else ''!r}")
    c.check(len(L.statements(text)) > 1, "the learned policy grants nothing")
    chk = row.sysward_cmd("check-policy", learned, name="check")
    c.check(chk.returncode == 0, f"check-policy exited {chk.returncode}: {L.output_of(chk)}")

    again = os.path.join(d, "from-trail.policy")
    p = row.sysward_cmd("learn", "-o", again, trail, cwd=d, name="learn-trail")
    if c.check(p.returncode == 0, f"learn from the trail exited {p.returncode}: {L.output_of(p)}"):
        c.check(L.read(again) == text, "learning from the kept trail gave another text "
                f"(diff {learned} {again})")

    row.fresh_work()
    rerun = os.path.join(d, "rerun.jsonl")
    result = os.path.join(d, "rerun-result.json")
    p = row.run(learned, rerun, result)
    c.check(p.returncode == 0, f"the run under the learned policy exited {p.returncode}: "
            f"{L.output_of(p)}")
    evs = L.events(rerun)
    bad = L.refusals(evs)
    c.check(not bad, f"{len(bad)} refusals under the learned policy, first: "
            + "; ".join(L.describe(e) for e in bad[:5]))
    ends = [e for e in evs if e.get("event") == "end"]
    c.check(len(ends) == 1 and ends[0].get("verdict") == "ok",
            f"the run under the learned policy ended {ends[-1] if ends else 'without end'}")
    if "x.c" in row.args or os.path.basename(row.program) == "make":
        c.check(os.path.exists(os.path.join(row.work, "x.o")), "no x.o after the run")
    c.done()


if __name__ == "__main__":
    sys.exit(main())
