#!/bin/bash
# netns-run.sh: run a command in a new, private network namespace that plays "the outside
# world", with listeners that record whatever reaches it.  No packet can leave the machine:
# the namespace has no link to anything but itself.
#
# Usage:  netns-run.sh DIR COMMAND [ARGS...]
#
# The namespace (created here with `unshare --net`; the script refuses to go on if the
# namespace it lands in is the one it started in):
#   lo            up; 127.0.0.0/8, ::1, and the "outside" documentation addresses
#                 192.0.2.1/32, 198.51.100.7/32 (RFC 5737), 2001:db8::1/128 (RFC 3849)
#   sw-out0/1     a veth pair (both ends here) with the default routes, IPv4 and IPv6, on
#                 sw-out0 (ARP off): any other destination is "routable", as on a host with
#                 a default route, and shows up on the sniffer instead of failing with
#                 ENETUNREACH
#   ping sockets  allowed for every group (net.ipv4.ping_group_range), so that only the
#                 policy can refuse them
# and the listener tracee-tests/checks/net_outside.py (its docstring has the details),
# logging into DIR/outside.log, with a pathname socket in a fresh /tmp/sysward-net-XXXXXX/.
#
# COMMAND runs in DIR's namespace with, in its environment:
#   TT_NET_PRIVDIR, TT_NET_PRIV   that directory and its socket priv.sock ("a privileged
#                                 daemon": outside the work directory)
#   TT_NET_IFACE                  the name of the "external" interface, sw-out0
#   TT_NET_CTL, TT_NET_ACK        FIFOs: write `phase NAME` into TT_NET_CTL and read one line
#                                 from TT_NET_ACK; the listener has then logged everything
#                                 that arrived before, and starts a new section of the log
#   TT_NET_INSIDE                 the namespace's id (net:[N]) that the listener checks
# The exit status is COMMAND's; 98 when the namespace or the listener could not be set up,
# 99 when no private namespace was obtained.
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 DIR COMMAND [ARGS...]" >&2
	exit 2
fi

if [ -z "${TT_NET_OUTER:-}" ]; then
	TT_NET_OUTER=$(readlink /proc/self/ns/net) || exit 99
	export TT_NET_OUTER
	exec unshare --net -- bash "$0" "$@"
	exit 99
fi
inner=$(readlink /proc/self/ns/net)
if [ -z "$inner" ] || [ "$inner" = "$TT_NET_OUTER" ]; then
	echo "netns-run.sh: not in a private network namespace: refusing to run" >&2
	exit 99
fi
unset TT_NET_OUTER
export TT_NET_INSIDE=$inner

dir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
checks=$(cd "$here/../checks" && pwd)

listener=
fail() {
	echo "netns-run.sh: $*" >&2
	[ -z "$listener" ] || kill -KILL "$listener"
	exit 98
}

# quiet IPv6 on the veth: no link-local address, no DAD, no router solicitations
for k in addr_gen_mode=1 accept_dad=0 router_solicitations=0; do
	echo "${k#*=}" >"/proc/sys/net/ipv6/conf/default/${k%=*}" || fail "sysctl ${k%=*}"
done
echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range || fail "sysctl ping_group_range"
ip -batch - <<'EOF' || fail "ip setup failed"
link set lo up
addr add 192.0.2.1/32 dev lo
addr add 198.51.100.7/32 dev lo
addr add 2001:db8::1/128 dev lo nodad
link add sw-out0 type veth peer name sw-out1
link set sw-out0 arp off
link set sw-out0 up
link set sw-out1 up
route add default dev sw-out0
route add ::/0 dev sw-out0
EOF

privdir=$(mktemp -d /tmp/sysward-net-XXXXXX) || fail "mktemp"
export TT_NET_PRIVDIR=$privdir TT_NET_PRIV=$privdir/priv.sock TT_NET_IFACE=sw-out0
export TT_NET_CTL=$dir/.net-ctl TT_NET_ACK=$dir/.net-ack
rm -f "$TT_NET_CTL" "$TT_NET_ACK"
mkfifo "$TT_NET_CTL" "$TT_NET_ACK" || fail "mkfifo"
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	rm -rf "$privdir"
	rm -f "$TT_NET_CTL" "$TT_NET_ACK"
}
trap cleanup EXIT

"${PYTHON:-python3}" -I -S "$checks/net_outside.py" "$dir/outside.log" "$privdir" \
	"$TT_NET_CTL" "$TT_NET_ACK" 2>"$dir/outside.err" &
listener=$!
exec {ack}<>"$TT_NET_ACK" # read-write: never blocks in open(), whoever comes first
line=
read -r -t 20 -u "$ack" line
[ "$line" = ready ] || fail "the outside listener did not start (see $dir/outside.err)"

"$@"
status=$?

echo stop >"$TT_NET_CTL"
line=
read -r -t 20 -u "$ack" line
if [ "$line" != ok ]; then
	echo "netns-run.sh: the outside listener did not stop: killing it" >&2
	kill -KILL "$listener"
	status=98
fi
if ! wait "$listener"; then
	echo "netns-run.sh: the outside listener failed (see $dir/outside.err)" >&2
	status=98
fi
exit $status
