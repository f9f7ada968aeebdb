#!/bin/sh
# make report-shot: render the demo's HTML report in headless Chromium (Debian's package,
# installed here when missing and running as root) and check the picture is not empty.
set -eu
SYSWARD=${1:?usage: report-shot.sh /abs/path/to/sysward}
out=$(dirname "$SYSWARD")
html=$out/demo-report.html
png=$out/demo-report.png
[ -s "$html" ] || "$(dirname "$0")/../examples/demo.sh" "$SYSWARD" >/dev/null
if ! command -v chromium >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || { echo "report-shot: chromium is not installed" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null
fi
profile=$(mktemp -d /tmp/sysward-chromium.XXXXXX)
trap 'rm -rf "$profile"' EXIT
# no network at all: the page is self-contained (inline SVG, no scripts, no fonts)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --window-size=1200,1600 --screenshot="$png" \
	"file://$html" >/dev/null 2>&1
size=$(stat -c %s "$png")
[ "$size" -gt 20000 ] || { echo "report-shot: $png is only $size bytes" >&2; exit 1; }
echo "report-shot: $png ($size bytes) from $html"
