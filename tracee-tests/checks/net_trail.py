#!/usr/bin/env python3
"""net_trail: the audit trail of a network row (INTERFACE "Audit trail": `addr`).

Run as `python3 checks/net_trail.py DIR` (DIR/audit.jsonl; net_ns.py also runs it in-process
on the sysward phase of its rows; the program's expectations are then in DIR/ward/net-expect,
else in DIR/net-expect).  Asserts:

  * every connect, bind, sendto, sendmsg, sendmmsg and listen record that names an address
    carries it in `args.addr`, in one of the forms `inet:A.B.C.D:PORT`,
    `inet6:[V6]:PORT` (`[V6%SCOPE]` with a scope id), `unix:/ABSOLUTE`, `unix-abstract:NAME`,
    `unix-unnamed` (autobind) or `AF_UNSPEC` (connect dissolving an association);
    connect and bind always name one (sendto without a destination may not);
  * under a loopback-only policy (the default profile, plus the policies of
    tracee-tests/net/: abstract.policy adds `unix-abstract:sysward-test-*`,
    unix-workdir.policy narrows pathname sockets to those under DIR), every allowed
    destination or local address is loopback (127.0.0.0/8, ::1), a pathname unix socket, or
    such an abstract name; and every socket() of a family other than unix/inet/inet6, raw,
    packet or ping, is denied;
  * every `trail SYSCALL ADDR DECISION` line the program wrote into net-expect has a
    matching record (ADDR `*`: any; `-` for socket: a family or type the policy refuses).
"""
import ipaddress
import os
import re
import sys

import common

NET_CALLS = {"connect", "bind", "sendto", "sendmsg", "sendmmsg", "listen"}
ADDR_RE = re.compile(r"^(inet:(?P<v4>\d+\.\d+\.\d+\.\d+):(?P<p4>\d+)"
                     r"|inet6:\[(?P<v6>[0-9a-fA-F:.]+)(%(?P<scope>\d+))?\]:(?P<p6>\d+)"
                     r"|unix:(?P<path>/.*)"
                     r"|unix-abstract:(?P<abs>.*)"
                     r"|unix-unnamed|AF_UNSPEC)$", re.S)
OTHER_TYPES = ("SOCK_RAW", "SOCK_PACKET")


def parse_addr(a):
    m = ADDR_RE.match(a) if isinstance(a, str) else None
    if not m:
        return None
    if m.group("v4") is not None:
        ipaddress.IPv4Address(m.group("v4"))
        return ("inet", m.group("v4"))
    if m.group("v6") is not None:
        ipaddress.IPv6Address(m.group("v6"))
        return ("inet6", m.group("v6"))
    if m.group("path") is not None:
        return ("unix", m.group("path"))
    if m.group("abs") is not None:
        return ("abstract", m.group("abs"))
    return ("other", a)


def loopback(kind, ip):
    if kind == "inet":
        return ipaddress.IPv4Address(ip) in ipaddress.IPv4Network("127.0.0.0/8")
    return ipaddress.IPv6Address(ip) == ipaddress.IPv6Address("::1")


def refused_socket(args):
    """A socket() the loopback-only policies must refuse."""
    fam, typ, proto = args.get("family"), str(args.get("type", "")), args.get("protocol")
    if fam not in ("AF_UNIX", "AF_INET", "AF_INET6"):
        return True
    if fam != "AF_UNIX" and typ.startswith(OTHER_TYPES):
        return True
    return typ.startswith("SOCK_DGRAM") and (fam, proto) in (("AF_INET", 1), ("AF_INET6", 58))


def check(d, c, events, opts, expect_file):
    abstract_ok = "abstract.policy" in opts
    workdir_only = "unix-workdir.policy" in opts
    calls = [e for e in events if e.get("event") == "syscall"]
    for e in calls:
        name, args = e.get("syscall"), e.get("args") or {}
        where = f"audit line {e.get('_line')} ({name})"
        if name == "socket":
            if refused_socket(args) and e.get("decision") != "deny":
                c.fail(f"{where}: socket {args} was {e.get('decision')}: a loopback-only policy "
                       "refuses this family/type")
            continue
        if name not in NET_CALLS:
            continue
        a = args.get("addr")
        if a is None:
            if name in ("connect", "bind"):
                c.fail(f"{where}: no args.addr: {args}")
            continue
        p = parse_addr(a)
        if not c.check(p is not None, f"{where}: addr {a!r} is not an INTERFACE address form"):
            continue
        if e.get("decision") != "allow" or p[0] == "other":
            continue
        kind, val = p
        ok = (kind in ("inet", "inet6") and loopback(kind, val)) or \
            (kind == "unix" and (not workdir_only or val.startswith(d.rstrip("/") + "/"))) or \
            (kind == "abstract" and abstract_ok and val.startswith("sysward-test-"))
        c.check(ok, f"{where}: {a} was allowed, but the policy allows only loopback, "
                    + ("unix sockets in the work directory" if workdir_only else
                       "pathname unix sockets")
                    + (" and unix-abstract:sysward-test-*" if abstract_ok else ""))
    try:
        with open(expect_file) as f:
            wants = [ln.rstrip("\n").split("\t") for ln in f if ln.startswith("trail\t")]
    except OSError:
        wants = []
    for _, sc, addr, decision in wants:
        hit = False
        for e in calls:
            if e.get("syscall") != sc or e.get("decision") != decision:
                continue
            args = e.get("args") or {}
            if addr == "*" or args.get("addr") == addr or \
                    (addr == "-" and sc == "socket" and refused_socket(args)):
                hit = True
                break
        c.check(hit, f"no trail record {sc} addr={addr} decision={decision}; the {sc} records: "
                     + "; ".join(f"{(e.get('args') or {}).get('addr')}/{e.get('decision')}"
                                 for e in calls if e.get("syscall") == sc)[:600])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: net_trail.py DIR")
    d = sys.argv[1]
    c = common.Checker("net_trail")
    events = common.parse_trail(os.path.join(d, "audit.jsonl"), c)
    expect = os.path.join(d, "ward", "net-expect")
    if not os.path.exists(expect):
        expect = os.path.join(d, "net-expect")
    check(d, c, events, os.environ.get("TT_OPTIONS", ""), expect)
    c.done()


if __name__ == "__main__":
    main()
