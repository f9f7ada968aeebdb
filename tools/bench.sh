#!/bin/bash
# make bench: sysward's overhead as ratios, measured side by side in one run.
# Each workload runs N times untraced, under `--profile audit` and under the default profile;
# the ratio traced/untraced of the median wall time is printed.  Speed lives here, not in tests.
set -euo pipefail
SYSWARD=${1:?usage: bench.sh SYSWARD TT_BIN}
N=${BENCH_RUNS:-5}
work=$(mktemp -d /tmp/sysward-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'int main(void){return 0;}\n' > t.c

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { # command... -> median seconds over N runs
	for _ in $(seq "$N"); do
		local s e
		s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
		awk -v e="$e" -v s="$s" 'BEGIN {print e - s}'
	done | median
}

workloads=(
	"true:/bin/true"
	"shell-loop:/bin/sh -c 'i=0; while [ \$i -lt 2000 ]; do i=\$((i+1)); done'"
	"file-stats:/bin/sh -c 'for i in \$(seq 300); do ls / >/dev/null; done'"
	"compile:gcc -c t.c -o t.o"
	"python:python3 -c 'import json, os; [os.stat(\"/\") for _ in range(20000)]'"
)
printf '%-12s %10s %10s %10s %8s %8s\n' workload native audit default r_audit r_default
for w in "${workloads[@]}"; do
	name=${w%%:*}; cmd=${w#*:}
	n=$(timeit sh -c "$cmd")
	a=$(timeit "$SYSWARD" run --profile audit -- sh -c "$cmd")
	d=$(timeit "$SYSWARD" run -- sh -c "$cmd")
	awk -v w="$name" -v n="$n" -v a="$a" -v d="$d" \
		'BEGIN {printf "%-12s %10.4f %10.4f %10.4f %8.2f %8.2f\n", w, n, a, d, a / n, d / n}'
done
