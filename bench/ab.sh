#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ab.sh - one benchmark on two builds of vnetd in one sitting: "before" and "after"
#
# Usage: bench/ab.sh BUILD_A BUILD_B REPS BENCH [ARGS...]
#   e.g. bench/ab.sh /tmp/old/build build 3 xdp_hook.sh 500000
#
# Runs bench/BENCH with BUILD_A, then with BUILD_B (the order alternates between
# repetitions, so a drift in the machine's load hits both), REPS times, and prints
# each run's output under a "=== A|B rep N" line. Every bench prints ratios
# against its own peer (memcpy, testpmd, the kernel, a switch without the
# feature); comparing those ratios between A and B, rather than absolute figures,
# is what survives a shared machine's noise. The bench script comes from this
# tree for both builds, so both are measured by the same method.
set -euo pipefail
a=${1:?usage: bench/ab.sh BUILD_A BUILD_B REPS BENCH [ARGS...]}
b=${2:?usage: bench/ab.sh BUILD_A BUILD_B REPS BENCH [ARGS...]}
reps=${3:?usage: bench/ab.sh BUILD_A BUILD_B REPS BENCH [ARGS...]}
bench=${4:?usage: bench/ab.sh BUILD_A BUILD_B REPS BENCH [ARGS...]}
shift 4
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$here/$bench" ] || { echo "ab.sh: no bench/$bench" >&2; exit 2; }
case "$reps" in '' | *[!0-9]*) echo "ab.sh: REPS must be a number" >&2; exit 2 ;; esac
for d in "$a" "$b"; do
	[ -x "$d/src/cmd/vnetd" ] || { echo "ab.sh: $d is not a vnetd build directory" >&2; exit 2; }
done

# one run; a bench that exits non-zero (a missed target) does not end the sitting
one() {	# LABEL BUILD REP ARGS...
	local label=$1 dir=$2 rep=$3 rc=0
	shift 3
	echo "=== $label rep $rep ($dir)"
	bash "$here/$bench" "$dir" "$@" || rc=$?
	[ "$rc" = 0 ] || echo "=== $label rep $rep: exit status $rc"
}

for ((r = 1; r <= reps; r++)); do
	if ((r % 2)); then
		one A "$a" "$r" "$@"
		one B "$b" "$r" "$@"
	else
		one B "$b" "$r" "$@"
		one A "$a" "$r" "$@"
	fi
done
