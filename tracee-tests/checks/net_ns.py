#!/usr/bin/env python3
"""net_ns (a driver check: the row's expected-status is `driver`): one network attack (or
positive control), run twice in one private network namespace, against listeners that
record whatever reaches "the outside" (tracee-tests/net/netns-run.sh, checks/net_outside.py).

  1. bare: TT_PROGRAM TT_ARGS without sysward, TT_NET_MODE=bare, in DIR/bare.  The control:
     it must exit 0 (or 77: this kernel cannot do it), and if it recorded `outside` in
     DIR/bare/net-expect, the listeners must have seen something; otherwise this row could
     not see a bypass and fails.
  2. ward: `sysward run -a DIR/audit.jsonl -r DIR/result.json TT_OPTIONS -- TT_PROGRAM
     TT_ARGS` with TT_NET_MODE=ward, in DIR/ward, saving DIR/stdout, stderr, status and cmd as
     run-tests.sh does for ordinary rows (so `common` and `net_trail` can follow in the row's
     check list).  It must exit 0 (77: skip the row), and the listeners must have seen
     nothing at all, with no packet dropped by the sniffer.

Then it runs, in this process, what checks/common.py and checks/net_trail.py assert of the
sysward phase (DIR/status, result.json, audit.jsonl; DIR/ward/net-expect).

The program is copied into each directory (the default profile runs only system programs
and those of the working directory).  In TT_OPTIONS, `@NET@` stands for tracee-tests/net.
Outputs: DIR/outside.log (per phase), DIR/bare.stdout, DIR/bare.stderr, DIR/bare.status.
"""
import os
import shlex
import shutil
import subprocess
import sys

import common
import net_trail

HERE = os.path.dirname(os.path.abspath(__file__))
NET = os.path.normpath(os.path.join(HERE, "..", "net"))
PHASE_TIMEOUT = 45


def phase_script(d, prog, args, opts):
    """The bash script run inside the namespace: both phases, each in its own directory."""
    q = shlex.quote
    lines = ['phase() { echo "phase $1" >"$TT_NET_CTL" &&'
             ' read -r -t 20 l <"$TT_NET_ACK" && [ "$l" = ok ] || exit 97; }']
    for mode in ("bare", "ward"):
        sub = os.path.join(d, mode)
        os.makedirs(sub, exist_ok=True)
        local = os.path.join(sub, os.path.basename(prog))
        shutil.copy2(prog, local)
        if mode == "bare":
            cmd = [local, *args]
            out, err, st = "bare.stdout", "bare.stderr", "bare.status"
        else:
            cmd = [os.environ["SYSWARD"], "run", "-a", os.path.join(d, "audit.jsonl"),
                   "-r", os.path.join(d, "result.json"), *opts, "--", local, *args]
            out, err, st = "stdout", "stderr", "status"
            with open(os.path.join(d, "cmd"), "w") as f:
                f.write(" ".join(q(x) for x in cmd) + "\n")
        lines.append(f"phase {mode}")
        lines.append(f"(cd {q(sub)} && TT_NET_MODE={mode} exec timeout --verbose -k 5 "
                     f"{PHASE_TIMEOUT} {' '.join(q(x) for x in cmd)}) </dev/null "
                     f">{q(os.path.join(d, out))} 2>{q(os.path.join(d, err))}")
        lines.append(f"echo $? >{q(os.path.join(d, st))}")
    lines.append("phase after")
    return "\n".join(lines) + "\n"


def sections(d):
    """outside.log -> {phase: (events, drops, [lines])}"""
    out, lines = {}, []
    for ln in read_text(d, "outside.log").splitlines():
        w = ln.split()
        if not w:
            continue
        if w[0] == "phase":
            lines = []
        elif w[0] == "total" and len(w) == 5:
            out[w[1]] = (int(w[2]), int(w[4]), lines)
        else:
            lines.append(ln)
    return out


def read_text(d, name):
    try:
        with open(os.path.join(d, name), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def tail(d, name, n=8):
    return "\n".join(read_text(d, name).rstrip().splitlines()[-n:])


def main():
    d = os.path.abspath(sys.argv[1])
    c = common.Checker("net_ns")
    prog = os.environ["TT_PROGRAM"]
    args = os.environ.get("TT_ARGS", "").split()
    opts = [o.replace("@NET@", NET) for o in os.environ.get("TT_OPTIONS", "").split()]
    script = phase_script(d, prog, args, opts)
    with open(os.path.join(d, "netns.err"), "wb") as e:
        rc = subprocess.run([os.path.join(NET, "netns-run.sh"), d, "bash", "-c", script],
                            stdin=subprocess.DEVNULL, stderr=e).returncode
    if rc != 0:
        print(f"net_ns: netns-run.sh failed with status {rc}: {tail(d, 'netns.err')}")
        print(tail(d, "outside.err"))
        sys.exit(1)
    sec = sections(d)
    for p in ("bare", "ward"):
        if p not in sec:
            print(f"net_ns: the outside log has no {p} section")
            sys.exit(1)

    bare = int(read_text(d, "bare.status") or -1)
    ward = common.read_status(d)
    expect = read_text(d, os.path.join("bare", "net-expect")).split()
    events, drops, lines = sec["bare"]
    if bare == 77:
        print(f"net_ns: note: control skipped: {tail(d, 'bare.stderr', 1)}")
    elif bare != 0:
        c.fail(f"control (no sysward) exited {bare}: {tail(d, 'bare.stderr')}")
    elif "outside" in expect and events == 0:
        c.fail("control (no sysward): the listeners saw nothing: this row cannot detect the "
               "attack getting through")

    events, drops, lines = sec["ward"]
    if ward == 77:
        if c.errors:
            c.done()
        common.skip(f"program skipped under sysward: {tail(d, 'stderr', 1)}")
    if ward != 0:
        c.fail(f"under sysward the program exited {ward}: {tail(d, 'stderr')}")
    if events:
        c.fail(f"under sysward {events} event(s) reached the outside:")
        for ln in lines:
            c.fail(f"  {ln}")
    if drops:
        c.fail(f"the sniffer dropped {drops} packet(s) during the sysward run: inconclusive")

    # what `common` and `net_trail` check, in this process (a python start costs ~0.15 s)
    cc = common.Checker("common")
    run = common.Run(d, cc)
    common.check_status(run.result, run.status, cc)
    net_trail.check(d, cc, run.events, " ".join(opts), os.path.join(d, "ward", "net-expect"))
    c.errors += cc.errors
    c.done()


if __name__ == "__main__":
    main()
