#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# xo.sh - guest XDP offload, the RFC's case 1, side by side in one run: 64-byte frames
# (60 + FCS) towards a guest port of vnetd, the guest played by the vhost-user test
# front-end (bench_xo, bench/xo.c):
#   (a) drop in the guest    the guest receives every frame and drops it itself
#                            (copy into guest memory, used ring, notification)
#   (b) drop offloaded       xdp1.bpf.o (samples/bpf/xdp1: count, XDP_DROP) runs
#                            at the guest port's egress, loaded by vnet-offload
#                            through the port's xdp-offload socket
#   (c) MAC-swap TX in guest the guest receives, swaps the MACs, sends it back
#   (d) MAC-swap offloaded   xdp2.bpf.o (samples/bpf/xdp2: swap, XDP_TX)
# Mpps: (a) frames the guest received, (b) frames vnetd dropped for it, (c)/(d)
# frames back at the source. The table gives the median of REPS for each case,
# its min-max, the ratios offloaded / in-guest of the medians, and the same
# per CPU-second vnetd got (as bench/vhost.sh: less sensitive to others' load;
# in (a) and (c) the guest's own work is on the front-end's CPU, not in it).
#
# Usage: bench/xo.sh [BUILD_DIR] [SECONDS] [REPS]
# vnetd busy-polls (--busy-poll) on CPU 1, the front-end (source and guest in
# one busy-polling process) on CPU 0. In (a) and (c) the front-end does the
# guest's work on its CPU; in (b) and (d) vnetd does it on its own: the RFC
# compared the same way (the host's vhost thread vs the guest's vCPU). Noisy on
# a shared 2-CPU machine: the cases alternate within each repetition, and each
# line on stderr gives vnetd_cpu, the CPU share vnetd got (busy-polling, it
# takes all it is given: under 100% the machine's other load took the rest).
set -euo pipefail
build=${1:-build}
secs=${2:-3}
reps=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
XO=$build/src/cmd/vnet-offload
BENCH=$build/bench/bench_xo
progs=$build/tests/bpf/progs
. "$here/../tests/e2e/lib_vnetd.sh"
command -v taskset >/dev/null || { echo "taskset missing: apt-get install util-linux" >&2; exit 2; }
tmp=$(mktemp -d)
FE_CPU=0
DEV_CPU=1

cleanup() {
	vnetd_stop TERM >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

vnetd_start "$tmp/vnetd.out" "$tmp/vnetd.log" --busy-poll -q -s "$tmp/ctl.sock" \
	--port "vhost-user:name=src,path=$tmp/src.sock" \
	--port "vhost-user:name=guest,path=$tmp/guest.sock,xdp-offload=$tmp/xo.sock"
taskset -a -p -c "$DEV_CPU" "$VNETD_PID" >/dev/null

xo="$XO --device $tmp/xo.sock --timeout 20"
# CPU ticks (utime + stime, all threads) of process $1
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# $1 mode, [$2 object to offload]: prints Mpps; vnetd's CPU share goes to stderr
one() {
	local out t0 t1 w0 w1
	t0=$(ticks "$VNETD_PID"); w0=$(date +%s.%N)
	if [ -n "${2:-}" ]; then
		out=$(taskset -c "$FE_CPU" "$BENCH" "$tmp/src.sock" "$tmp/guest.sock" "$1" "$secs" 0.5 \
			"$xo load $2" "$xo status >$tmp/status")
		grep "^verdicts" "$tmp/status" | sed 's/^/      /' >&2
	else
		out=$(taskset -c "$FE_CPU" "$BENCH" "$tmp/src.sock" "$tmp/guest.sock" "$1" "$secs" 0.5)
	fi
	t1=$(ticks "$VNETD_PID"); w1=$(date +%s.%N)
	cpu=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v w0="$w0" -v w1="$w1" \
		'BEGIN { printf "%.0f", 100 * t / hz / (w1 - w0) }')
	echo "  $out vnetd_cpu=$cpu%" >&2
	# the figure, and the figure per CPU-second vnetd got
	awk -v f="$(sed -n 's/.* mpps=\([0-9.]*\).*/\1/p' <<<"$out")" -v c="$cpu" \
		'BEGIN { printf "%s %.3f\n", f, (c > 0) ? f * 100 / c : 0 }'
}

# $1 array name, $2 "figure per-cpu": append both
put() { local -n a=$1 b=${1}_cpu; a+=("${2% *}"); b+=("${2#* }"); }

A=() B=() C=() D=() A_cpu=() B_cpu=() C_cpu=() D_cpu=()
for ((r = 1; r <= reps; r++)); do
	echo "# repetition $r/$reps" >&2
	put A "$(one drop)"
	put B "$(one drop-off "$progs/xdp1.bpf.o")"
	put C "$(one tx)"
	put D "$(one tx-off "$progs/xdp2.bpf.o")"
done

# median and min-max of the arguments
stats() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.3f %.3f-%.3f", m, v[1], v[NR] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
for x in A B C D; do
	n=${x}[@] c=${x}_cpu[@]
	read -r "m$x" "r$x" <<<"$(stats "${!n}")"
	read -r "p$x" _ <<<"$(stats "${!c}")"
done

echo
echo "bench/xo.sh $build $secs $reps: 64-byte frames to a guest port (median of $reps; min-max)"
printf '%-34s %7s  %-13s %6s  %9s %6s\n' "case" "Mpps" "min-max" "ratio" "Mpps/CPU" "ratio"
printf '%-34s %7s  %-13s %6s  %9s\n' "(a) drop in the guest" "$mA" "$rA" "" "$pA"
printf '%-34s %7s  %-13s %6s  %9s %6s\n' "(b) drop offloaded (xdp1)" "$mB" "$rB" \
	"$(ratio "$mB" "$mA")" "$pB" "$(ratio "$pB" "$pA")"
printf '%-34s %7s  %-13s %6s  %9s\n' "(c) MAC-swap TX in the guest" "$mC" "$rC" "" "$pC"
printf '%-34s %7s  %-13s %6s  %9s %6s\n' "(d) MAC-swap TX offloaded (xdp2)" "$mD" "$rD" \
	"$(ratio "$mD" "$mC")" "$pD" "$(ratio "$pD" "$pC")"
echo "ratio: offloaded / in-guest. Mpps/CPU: per CPU-second vnetd got (median)."
