#!/usr/bin/env python3
"""audit_strings: names and argv strings that are hard to write as JSON are written as
INTERFACE says: a valid UTF-8 string is kept exactly (JSON escapes only); in a string that
is not valid UTF-8 each invalid byte becomes the four characters \\xNN and a literal
backslash is doubled.  (Hex digits may be upper or lower case.)

names.hex / argv.hex (written by audit-strings): the raw names, hex encoded.  Asserts, on
the decoded JSON strings: each name is the `path` of an openat and of a newfstatat event;
`resolved`, when present, is the escaped form of DIR/name; the exec event of --stage2 has
exactly the escaped argv.  (Every line being strict UTF-8 JSON is checked by common.)
"""
import codecs
import os
import sys

import common

codecs.register_error("tt_upper", lambda e: ("".join("\\x%02X" % b for b in
                                                     e.object[e.start:e.end]), e.end))


def escaped(raw):
    """The strings the contract allows for the bytes raw, the lower-case form first."""
    try:
        return [raw.decode("utf-8", "strict")]
    except UnicodeDecodeError:
        doubled = raw.replace(b"\\", b"\\\\")
        return [doubled.decode("utf-8", "backslashreplace"), doubled.decode("utf-8", "tt_upper")]


def main():
    c = common.Checker("audit_strings")
    run = common.Run(sys.argv[1], c)
    names = [bytes.fromhex(r[0]) for r in run.lines("names.hex")]
    argv = [bytes.fromhex(r[0]) for r in run.lines("argv.hex")]
    c.check(len(names) >= 15, f"names.hex lists {len(names)} names, want >= 15")
    c.check(len(argv) >= 5, f"argv.hex lists {len(argv)} arguments, want >= 5")
    cwd = os.path.realpath(run.dir).encode()

    for call in ("openat", "newfstatat"):
        evs = run.syscalls(call)
        paths = [(e.get("args") or {}).get("path") for e in evs]
        for raw in names:
            want = escaped(raw)
            hits = [e for e, p in zip(evs, paths) if p in want]
            if not c.check(hits, f"{call}: no event with path {want[0]!r} "
                           f"(from bytes {raw!r})"):
                near = [p for p in paths if isinstance(p, str) and p[:2] == want[0][:2]]
                if near:
                    c.fail(f"    near misses: {near[:3]!r}")
                continue
            res_want = escaped(cwd + b"/" + raw)
            for e in hits:
                res = (e.get("args") or {}).get("resolved")
                if res is not None:
                    c.check(res in res_want, f"{call} {want[0]!r}: resolved {res!r}, "
                            f"want {res_want[0]!r}")

    execs = [e for e in run.of("exec") if (e.get("argv") or [None, None])[1:2] == ["--stage2"]]
    if c.check(len(execs) == 1, f"{len(execs)} exec events with --stage2, want 1"):
        got = execs[0]["argv"][2:]
        c.check(len(got) == len(argv), f"exec argv has {len(got)} strings after --stage2, "
                f"want {len(argv)}")
        for i, (g, raw) in enumerate(zip(got, argv)):
            want = escaped(raw)
            c.check(g in want, f"exec argv[{i + 2}] = {g!r}, want {want[0]!r}")
    c.done()


if __name__ == "__main__":
    main()
