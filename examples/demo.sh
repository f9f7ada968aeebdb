#!/bin/sh
# make demo: run the bundled "suspicious installer" under sysward's default profile, then
# summarise its audit trail; then show a limit verdict.  Runs in a private network
# namespace when it can, so that not one packet leaves this machine.
set -eu
SYSWARD=${1:?usage: demo.sh /abs/path/to/sysward}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/sysward-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$here/installer.sh" "$work/"
cd "$work"

netns=""
unshare --net true 2>/dev/null && netns=yes

echo "== sysward run -- ./installer.sh   (default profile; trail in $work/audit.jsonl)"
status=0
if [ -n "$netns" ]; then
	unshare --net sh -c 'ip link set lo up 2>/dev/null; exec "$@"' sh \
		"$SYSWARD" run -a audit.jsonl -r result.json -- ./installer.sh || status=$?
else
	"$SYSWARD" run -a audit.jsonl -r result.json -- ./installer.sh || status=$?
fi
echo "== exit status $status; result record:"
cat result.json
echo
echo "== sysward report audit.jsonl   (HTML with pictures: $(dirname "$SYSWARD")/demo-report.html)"
"$SYSWARD" report --html "$(dirname "$SYSWARD")/demo-report.html" audit.jsonl
echo
echo "== a limit: python3 allocating 1 GiB under --memory 64M"
status=0
"$SYSWARD" run --memory 64M --wall-time 20 -r limit.json -- \
	/usr/bin/python3 -c "x = bytearray(1 << 30); print(len(x))" || status=$?
echo "== exit status $status; verdict: $(sed -n 's/.*"verdict":"\([^"]*\)".*/\1/p' limit.json)"
test -e /etc/sysward-demo-persist && { echo "demo: the installer escaped!" >&2; exit 1; }
exit 0
