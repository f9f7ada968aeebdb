#!/bin/bash
# run-tests.sh: run the tracee tests listed in expected.tsv under the real tracer; TAP output.
#
# Usage:  SYSWARD=/abs/sysward TT_BIN=/abs/dir/of/built/tests \
#             tracee-tests/run-tests.sh tracee-tests/expected.tsv [ID-PATTERN...]
#         (`make tracee-check` does this.)  ID-PATTERNs are shell globs; only matching rows
#         run.  Other environment: TT_TIMEOUT (hang guard, seconds, default 60), TT_KEEP=1
#         (keep every row's directory, not only failed ones), PYTHON (default python3).
#
# expected.tsv: one row per test, six tab-separated columns, `-` for an empty one; `#`
# starts a comment line:
#     id  program  expected-status  sysward-options  program-args  checks
#   id               unique name of the row (the TAP test name)
#   program          NAME: $TT_BIN/NAME; ./NAME: $TT_BIN/NAME copied into the row's working
#                    directory and run from there (for profiles that only let the program
#                    run files of the working directory); /PATH: used as is
#   expected-status  the exit status `sysward run` must return (programs pass through their
#                    own: 0 pass, 1 fail; 77 means skip), or `driver`: see below
#   sysward-options  options of `sysward run`, split at spaces (no quoting)
#   program-args     arguments of the program, split at spaces (no quoting)
#   checks           comma list of check scripts (checks/NAME.py) run after the status
#                    matched; `-` for none.  checks/common.py runs first on every row unless
#                    the list contains `nocommon`.
#
# For each row: a fresh directory DIR (mktemp -d under /tmp) becomes the working directory,
# and the harness runs, with stdin from /dev/null,
#     timeout 60 $SYSWARD run -a DIR/audit.jsonl -r DIR/result.json OPTIONS -- PROGRAM ARGS
# saving DIR/stdout, DIR/stderr, DIR/status (the exit status) and DIR/cmd.  `timeout` is
# only a hang guard (its --verbose line in DIR/stderr marks a row that hung).  The
# status must equal expected-status (77 instead is a skip); then each check runs as
#     python3 tracee-tests/checks/NAME.py DIR
# and exits 0 (pass), 77 (skip) or anything else (fail, with the reason on stdout/stderr).
# A `driver` row runs no sysward itself: its checks start sysward on their own (e.g.
# kill_tracer.py), with the row in TT_PROGRAM, TT_OPTIONS and TT_ARGS; common.py is not
# implied.  Every check also gets SYSWARD, TT_BIN and TT_ID in its environment.
#
# Output: TAP (`ok N - id`, `not ok N - id # why`, `ok N - id # SKIP why`) with the details of
# a failure as `#` lines; a failed row's DIR is kept and printed.  Exit 1 if any row failed.
set -u
set -f # options and arguments are split at spaces, never globbed

here=$(cd "$(dirname "$0")" && pwd)
checks_dir=$here/checks
PYTHON=${PYTHON:-python3}
TT_TIMEOUT=${TT_TIMEOUT:-60}
TT_KEEP=${TT_KEEP:-0}

bail() {
	echo "Bail out! $*"
	exit 1
}

[ $# -ge 1 ] || bail "usage: SYSWARD=... TT_BIN=... $0 expected.tsv [ID-PATTERN...]"
table=$1
shift
[ -r "$table" ] || bail "cannot read $table"
[ -n "${SYSWARD:-}" ] || bail "SYSWARD is not set"
[ -n "${TT_BIN:-}" ] || bail "TT_BIN is not set"
[ -x "$SYSWARD" ] || bail "SYSWARD=$SYSWARD is not an executable file"
[ -d "$TT_BIN" ] || bail "TT_BIN=$TT_BIN is not a directory"
case $SYSWARD in /*) ;; *) SYSWARD=$(cd "$(dirname "$SYSWARD")" && pwd)/$(basename "$SYSWARD") ;; esac
case $TT_BIN in /*) ;; *) TT_BIN=$(cd "$TT_BIN" && pwd) ;; esac
export SYSWARD TT_BIN

finish_ok() { # dir: remove a passed/skipped row's directory unless TT_KEEP=1
	if [ "$TT_KEEP" = 1 ]; then
		echo "#   kept $1"
	else
		rm -rf "$1"
	fi
}

selected() { # id: does it match the patterns (or are there none)?
	[ ${#patterns[@]} -eq 0 ] && return 0
	local p
	for p in "${patterns[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $p ]] && return 0
	done
	return 1
}
patterns=("$@")

# Read and validate the table first, so that the plan line is right.
rows=()
lineno=0
declare -A seen=()
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case $line in '' | '#'*) continue ;; esac
	IFS=$'\t' read -r -a f <<<"$line"
	[ ${#f[@]} -eq 6 ] || bail "$table:$lineno: want 6 tab-separated columns, got ${#f[@]}"
	[ -z "${seen[${f[0]}]:-}" ] || bail "$table:$lineno: duplicate id ${f[0]}"
	seen[${f[0]}]=1
	case ${f[2]} in driver | [0-9] | [0-9][0-9] | [0-9][0-9][0-9]) ;;
	*) bail "$table:$lineno: bad expected-status '${f[2]}'" ;; esac
	for c in ${f[5]//,/ }; do
		[ "$c" = - ] || [ "$c" = nocommon ] || [ -r "$checks_dir/$c.py" ] ||
			bail "$table:$lineno: no check $checks_dir/$c.py"
	done
	selected "${f[0]}" && rows+=("$line")
done <"$table"

echo "1..${#rows[@]}"
n=0
failed=0
for line in "${rows[@]}"; do
	n=$((n + 1))
	IFS=$'\t' read -r id prog want opts args checks <<<"$line"
	[ "$opts" = - ] && opts=
	[ "$args" = - ] && args=
	dir=$(mktemp -d /tmp/sysward-tt.XXXXXX) || bail "mktemp failed"
	case $prog in
	/*) path=$prog ;;
	./*) path=$dir/${prog#./} && cp "$TT_BIN/${prog#./}" "$path" ;;
	*) path=$TT_BIN/$prog ;;
	esac
	why=
	skip=

	# the check list: common first unless `nocommon` (or a driver row)
	list=()
	common=1
	[ "$want" = driver ] && common=0
	for c in ${checks//,/ }; do
		case $c in -) ;; nocommon) common=0 ;; *) list+=("$c") ;; esac
	done
	[ $common = 1 ] && list=(common "${list[@]}")

	if [ "$want" != driver ]; then
		# shellcheck disable=SC2086
		set -- "$SYSWARD" run -a "$dir/audit.jsonl" -r "$dir/result.json" $opts -- "$path" $args
		printf '%q ' "$@" >"$dir/cmd"
		echo >>"$dir/cmd"
		(cd "$dir" && exec timeout --verbose -k 5 "$TT_TIMEOUT" "$@" \
			</dev/null >"$dir/stdout" 2>"$dir/stderr")
		status=$?
		echo "$status" >"$dir/status"
		if grep -q '^timeout: sending signal' "$dir/stderr"; then
			why="hang guard: still running after ${TT_TIMEOUT}s (status $status)"
		elif [ "$status" = 77 ] && [ "$want" != 77 ]; then
			skip=$(tail -n 1 "$dir/stderr" | tr -d '\n')
			[ -n "$skip" ] || skip="program exited 77"
		elif [ "$status" != "$want" ]; then
			why="exit status $status, want $want"
		fi
	fi

	if [ -z "$why" ] && [ -z "$skip" ]; then
		for c in "${list[@]}"; do
			(cd "$dir" && TT_ID=$id TT_PROGRAM=$path TT_OPTIONS=$opts TT_ARGS=$args \
				timeout -k 5 "$TT_TIMEOUT" "$PYTHON" "$checks_dir/$c.py" "$dir" \
				</dev/null >"$dir/check-$c.out" 2>&1)
			rc=$?
			if [ $rc = 77 ]; then
				skip="$c: $(tail -n 1 "$dir/check-$c.out" | tr -d '\n')"
				break
			elif [ $rc != 0 ]; then
				why="check $c failed (status $rc)"
				break
			fi
		done
	fi

	if [ -n "$why" ]; then
		failed=$((failed + 1))
		echo "not ok $n - $id # $why"
		echo "#   command: $(cat "$dir/cmd" 2>/dev/null || echo "(driver) $path $args")"
		for f in stderr $(for c in "${list[@]}"; do echo "check-$c.out"; done); do
			[ -s "$dir/$f" ] || continue
			echo "#   --- $f (last 40 lines)"
			tail -n 40 "$dir/$f" | sed 's/^/#   /'
		done
		echo "#   kept $dir"
	elif [ -n "$skip" ]; then
		echo "ok $n - $id # SKIP $skip"
		finish_ok "$dir"
	else
		echo "ok $n - $id"
		finish_ok "$dir"
	fi
done

[ $failed = 0 ] || echo "# $failed of $n failed"
[ $failed = 0 ]
