#!/usr/bin/env python3
"""bad_option: sysward refused its command line (status 125, checked by the harness) with a
message on stderr that names the offending option: some token of the row's options
(TT_OPTIONS) appears in stderr.  The program must not have run (stdout empty).
"""
import os
import sys

import common


def main():
    c = common.Checker("bad_option")
    d = sys.argv[1]
    err = open(os.path.join(d, "stderr"), encoding="utf-8", errors="replace").read()
    out = open(os.path.join(d, "stdout"), encoding="utf-8", errors="replace").read()
    toks = [t for t in os.environ.get("TT_OPTIONS", "").split() if t]
    c.check(err.strip(), "nothing on stderr")
    c.check(any(t in err or t.lstrip("-") in err for t in toks),
            f"stderr does not name any of {toks}: {err.strip()[:300]!r}")
    c.check(not out, f"stdout is not empty: {out[:200]!r}")
    c.done()


if __name__ == "__main__":
    main()
