#!/bin/sh
# make bench: sysward against native, a floor tracer, strace, proot and bwrap, side by side.
# The work is done by tools/bench/run.py (see its header for BENCH_QUICK, BENCH_RUNS, ...);
# this wrapper keeps the interface the Makefile calls: tools/bench.sh SYSWARD TT_BIN.
set -eu
[ $# -ge 1 ] || { echo "usage: tools/bench.sh SYSWARD [TT_BIN]" >&2; exit 2; }
here=$(dirname "$0")
# the system python: a user's pyenv/virtualenv shim must not be what gets measured or run
py=/usr/bin/python3
[ -x "$py" ] || py=python3
exec "$py" "$here/bench/run.py" "$@"
