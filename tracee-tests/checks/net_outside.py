#!/usr/bin/env python3
"""net_outside: "the outside world" of the network tracee tests; not a check of its own.

Started by tracee-tests/net/netns-run.sh inside a private network namespace (it refuses to
run anywhere else), before the program under test, as

    python3 net_outside.py LOG PRIVDIR CTL_FIFO ACK_FIFO

It records in LOG everything that reaches the outside, by two independent means:

  * a packet sniffer (AF_PACKET, every interface of the namespace) with a BPF filter that
    keeps every packet leaving by an interface other than lo (the veth of netns-run.sh: a
    packet there has left the host, whatever its destination, 127.0.0.1 included), and on lo
    the IPv4 packets whose destination is not 127.0.0.0/8 and the IPv6 packets whose
    destination is not ::1: whatever a loopback-only policy lets through must never show up
    here.  Each packet is counted once, as it leaves (PACKET_OUTGOING).  IPv6 neighbour
    discovery and MLD (the kernel's own chatter) are ignored.  The filter runs in the
    kernel, so loopback floods (the race tests) are never queued and cannot push an outside
    packet out of the queue; the socket's drop counter is reported all the same, and a run
    with drops proves nothing.
  * listeners, as a daemon outside the sandbox would have them: TCP 80 and UDP 53 on
    192.0.2.1, 198.51.100.7 and [2001:db8::1]; the abstract unix socket `sysward-daemon`;
    the pathname socket PRIVDIR/priv.sock (each connection gets "PRIV\\n" first, so a
    program can tell it from its own socket).

Phases: the driver writes `phase NAME` (or `stop`) into CTL_FIFO; the listener drains every
socket (all that the finished program sent is queued by then: the sniffer copy of an
outgoing packet is taken synchronously in the sender's transmit path), writes the totals of
the phase ending, and answers `ok` in ACK_FIFO.  LOG lines:

    phase NAME
    pkt IFACE v4|v6 SRC DST PROTO | pkt IFACE ethertype 0xNNNN     (the first 40 per phase)
    tcp LOCAL PEER | udp LOCAL PEER LEN | unix NAME
    total NAME EVENTS drops N
"""
import ctypes
import errno
import os
import select
import socket
import struct
import sys

ETH_P_ALL = 3
SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_ATTACH_FILTER = 26
MAX_LINES = 40

# classic BPF, assembled by bpf() below: accept every packet on an interface other than lo
# (whatever its destination: a "loopback" address sent out of the veth has left the host);
# on lo, IPv4 to a destination outside 127.0.0.0/8 and IPv6 to one other than ::1; drop the
# rest.  (op, k, label if true, label if false); labels name instructions.
SKF_AD_IFINDEX = 0xFFFFF000 + 8
LD_W, LD_H, LD_B, JEQ, RET = 0x20, 0x28, 0x30, 0x15, 0x06


def bpf(lo_index):
    prog = [
        ("ifx", LD_W, SKF_AD_IFINDEX, None, None),
        (None, JEQ, lo_index, "eth", "accept"),
        ("eth", LD_H, 12, None, None),
        (None, JEQ, 0x0800, "v4", "not4"),
        ("not4", JEQ, 0x86DD, "v6", "drop"),
        ("v4", LD_B, 30, None, None),          # first byte of the IPv4 destination
        (None, JEQ, 127, "drop", "accept"),
        ("v6", LD_W, 38, None, None),          # the IPv6 destination, word by word
        (None, JEQ, 0, "w1", "accept"),
        ("w1", LD_W, 42, None, None),
        (None, JEQ, 0, "w2", "accept"),
        ("w2", LD_W, 46, None, None),
        (None, JEQ, 0, "w3", "accept"),
        ("w3", LD_W, 50, None, None),
        (None, JEQ, 1, "drop", "accept"),
        ("drop", RET, 0, None, None),
        ("accept", RET, 0x40000, None, None),
    ]
    at = {ins[0]: i for i, ins in enumerate(prog) if ins[0]}
    out = []
    for i, (_, op, k, t, f) in enumerate(prog):
        jt = at[t] - i - 1 if t else 0
        jf = at[f] - i - 1 if f else 0
        assert 0 <= jt < 256 and 0 <= jf < 256
        out.append((op, jt, jf, k))
    return out


ND_MLD = {130, 131, 132, 133, 134, 135, 136, 143}


def attach_filter(s):
    code = bpf(socket.if_nametoindex("lo"))
    prog = b"".join(struct.pack("HBBI", *ins) for ins in code)
    buf = ctypes.create_string_buffer(prog)
    fprog = struct.pack("HL", len(code), ctypes.addressof(buf))
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    return buf  # keep it alive (the kernel copies it, but be safe)


class Outside:
    def __init__(self, log, privdir):
        self.log = open(log, "a", buffering=1)
        self.phase = "setup"
        self.events = 0
        self.lines = 0
        self.drops = 0
        self.socks = {}  # fd -> (kind, socket, name)
        # the sniffer: created, filtered, then everything queued before the filter dropped
        self.sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self._keep = attach_filter(self.sniff)
        self.sniff.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sniff.setblocking(False)
        self.drain_sniffer(record=False)
        self.stats()
        self.add("sniff", self.sniff, "sniffer")
        for fam, ip in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET, "198.51.100.7"),
                        (socket.AF_INET6, "2001:db8::1")):
            t = socket.socket(fam, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            t.bind((ip, 80))
            t.listen(4096)
            self.add("tcp", t, f"{ip}:80")
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.bind((ip, 53))
            self.add("udp", u, f"{ip}:53")
        a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        a.bind(b"\0sysward-daemon")
        a.listen(4096)
        self.add("unix", a, "unix-abstract:sysward-daemon")
        p = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        p.bind(os.path.join(privdir, "priv.sock"))
        p.listen(4096)
        self.add("unix", p, "unix:" + os.path.join(privdir, "priv.sock"))
        self.log.write("phase setup\n")

    def add(self, kind, s, name):
        s.setblocking(False)
        self.socks[s.fileno()] = (kind, s, name)

    def record(self, text):
        self.events += 1
        if self.lines < MAX_LINES:
            self.lines += 1
            self.log.write(text + "\n")

    def stats(self):
        try:
            st = self.sniff.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
            self.drops += struct.unpack("II", st)[1]
        except OSError:
            self.drops += 1  # cannot tell: count it as a loss

    def drain_sniffer(self, record=True):
        while True:
            try:
                data, addr = self.sniff.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            if not record or len(data) < 14:
                continue
            if addr[2] != socket.PACKET_OUTGOING:
                continue  # each packet once: as it leaves (lo and the veth show it twice)
            et = struct.unpack("!H", data[12:14])[0]
            if et == 0x0800 and len(data) >= 34:
                ihl = (data[14] & 0x0F) * 4
                if data[23] == 6 and len(data) > 14 + ihl + 13 and \
                        not data[14 + ihl + 13] & 0x02:
                    continue  # TCP without SYN: the tail of an earlier phase's connection
                src = socket.inet_ntop(socket.AF_INET, data[26:30])
                dst = socket.inet_ntop(socket.AF_INET, data[30:34])
                self.record(f"pkt {addr[0]} v4 {src} {dst} {data[23]}")
            elif et == 0x86DD and len(data) >= 54:
                nh = data[20]
                if nh == 58 and len(data) > 54 and data[54] in ND_MLD:
                    continue
                if nh == 0 and data[38] == 0xFF:
                    continue  # hop-by-hop to multicast: MLD reports
                if nh == 6 and len(data) > 54 + 13 and not data[54 + 13] & 0x02:
                    continue  # TCP without SYN (see above)
                src = socket.inet_ntop(socket.AF_INET6, data[22:38])
                dst = socket.inet_ntop(socket.AF_INET6, data[38:54])
                self.record(f"pkt {addr[0]} v6 {src} {dst} {nh}")
            else:
                self.record(f"pkt {addr[0]} ethertype 0x{et:04x}")

    def drain(self, fd):
        kind, s, name = self.socks[fd]
        if kind == "sniff":
            self.drain_sniffer()
            return
        while True:
            try:
                if kind == "udp":
                    data, peer = s.recvfrom(65535)
                    self.record(f"udp {name} {peer[0]}:{peer[1]} {len(data)}")
                    continue
                c, peer = s.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in (errno.ECONNABORTED, errno.EPROTO):
                    continue
                raise
            if kind == "tcp":
                self.record(f"tcp {name} {peer[0]}:{peer[1]}")
            else:
                self.record(f"unix {name}")
                try:
                    c.send(b"PRIV\n", socket.MSG_NOSIGNAL)  # the client may be gone
                except OSError:
                    pass
            c.close()

    def drain_all(self):
        for fd in list(self.socks):
            self.drain(fd)
        self.stats()

    def end_phase(self, new):
        self.drain_all()
        self.log.write(f"total {self.phase} {self.events} drops {self.drops}\n")
        self.phase, self.events, self.lines, self.drops = new, 0, 0, 0
        if new:
            self.log.write(f"phase {new}\n")


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: net_outside.py LOG PRIVDIR CTL_FIFO ACK_FIFO")
    log, privdir, ctl, ack = sys.argv[1:]
    if os.environ.get("TT_NET_INSIDE") != os.readlink("/proc/self/ns/net"):
        sys.exit("net_outside.py: not inside the private network namespace of netns-run.sh")
    out = Outside(log, privdir)
    # Both FIFOs stay open here for reading and writing: a reader of ACK never sees EOF (a
    # close of ours racing with the next reader's open would make it read nothing), and a
    # writer of CTL never blocks.  Readers read one line each (bash's `read` takes no more).
    cfd = os.open(ctl, os.O_RDWR | os.O_NONBLOCK)
    afd = os.open(ack, os.O_RDWR)
    os.write(afd, b"ready\n")  # netns-run.sh waits for this line before it starts anything
    pending = b""
    while True:
        r, _, _ = select.select([cfd, *out.socks], [], [])
        for fd in r:
            if fd != cfd:
                out.drain(fd)
                continue
            chunk = os.read(cfd, 4096)
            if not chunk:  # every writer closed: reopen and wait for the next one
                os.close(cfd)
                cfd = os.open(ctl, os.O_RDWR | os.O_NONBLOCK)  # a writer of its own: never EOF
                continue
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                cmd = line.decode().split()
                stop = cmd == ["stop"]
                out.end_phase(None if stop else cmd[1])
                os.write(afd, b"ok\n")
                if stop:
                    return


if __name__ == "__main__":
    main()
