#!/usr/bin/env python3
"""backtrace (a driver check): --backtrace openat records the calling thread's stack.

Builds tracee-tests/bt-chain.c in four variants in DIR (frame pointers, no frame pointers
at -O2, non-PIE, stripped), runs each under `sysward run --profile audit --backtrace
openat`, and asserts on the openat records of /etc/hostname (main thread) and
/etc/os-release (a second thread): frames are objects with ip (hex), symbol, offset, module;
the chain is leaf_open <- middle_main <- main (main thread) and leaf_open <- thread_body
(thread) in that order for every variant with symbols; in the stripped variant the frames
of the program have no symbol but are attributed to the program's module; libc frames keep
their symbols.  Other calls carry no backtrace.
"""
import json
import os
import subprocess
import sys

import common

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bt-chain.c")
VARIANTS = {
    "fp": ["-O1", "-fno-omit-frame-pointer"],
    "nofp": ["-O2", "-fomit-frame-pointer"],
    "nopie": ["-O1", "-no-pie", "-fno-pie"],
    "stripped": ["-O1", "-s"],
}


def frames_of(trail, path):
    for line in open(trail, encoding="utf-8"):
        e = json.loads(line)
        if e.get("event") == "syscall" and e.get("syscall") == "openat" and \
                e.get("args", {}).get("path") == path:
            return e.get("backtrace")
    return None


def main():
    c = common.Checker("backtrace")
    d = sys.argv[1]
    sysward = os.environ["SYSWARD"]
    inc = os.path.dirname(SRC)
    for name, flags in VARIANTS.items():
        exe = os.path.join(d, "bt-" + name)
        subprocess.run(["gcc", "-std=gnu11", "-g", "-pthread", "-I", inc, *flags, "-o", exe, SRC],
                       check=True)
        trail = os.path.join(d, name + ".jsonl")
        st = subprocess.run([sysward, "run", "--profile", "audit", "--backtrace", "openat",
                             "-a", trail, "--", exe], cwd=d).returncode
        c.check(st == 0, f"{name}: exit status {st}")
        with_bt = [json.loads(l) for l in open(trail, encoding="utf-8")]
        extra = [e for e in with_bt if e.get("backtrace") is not None and e.get("syscall") != "openat"]
        c.check(not extra, f"{name}: backtrace on other calls: {extra[:1]}")
        for path, chain in (("/etc/hostname", ["leaf_open", "middle_main", "main"]),
                            ("/etc/os-release", ["leaf_open", "thread_body"])):
            bt = frames_of(trail, path)
            if not c.check(isinstance(bt, list) and len(bt) >= len(chain),
                           f"{name}: {path}: no backtrace: {bt}"):
                continue
            for f in bt:
                c.check(isinstance(f.get("ip"), str) and f["ip"].startswith("0x"),
                        f"{name}: bad ip {f}")
                c.check("symbol" in f and "offset" in f and "module" in f,
                        f"{name}: frame keys {f}")
            prog = [f for f in bt if f.get("module") == exe]
            c.check(len(prog) >= (2 if name == "stripped" else len(chain)),
                    f"{name}: {path}: program frames {bt}")
            if name == "stripped":
                c.check(all(f.get("symbol") in (None, "_start") or f["symbol"].startswith("_")
                            for f in prog if f.get("symbol") not in chain),
                        f"{name}: unexpected symbols {prog}")
                c.check(any(f.get("symbol") and "open" in f["symbol"] for f in bt
                            if f.get("module") != exe), f"{name}: libc frame symbols {bt}")
                continue
            syms = [f.get("symbol") for f in bt]
            pos = [syms.index(s) if s in syms else -1 for s in chain]
            c.check(all(p >= 0 for p in pos) and pos == sorted(pos),
                    f"{name}: {path}: chain {chain} not in order in {syms}")
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
