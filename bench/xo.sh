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
# its min-max, and the ratios offloaded / in-guest of the medians.
#
# Usage: bench/xo.sh [BUILD_DIR] [SECONDS] [REPS]
# vnetd busy-polls (--busy-poll) on CPU 1, the front-end (source and guest in
# one busy-polling process) on CPU 0. In (a) and (c) the front-end does the
# guest's work on its CPU; in (b) and (d) vnetd does it on its own: the RFC
# compared the same way (the host's vhost thread vs the guest's vCPU). Noisy on
# a shared 2-CPU machine: the cases alternate within each repetition.
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
# $1 mode, [$2 object to offload]: prints Mpps
one() {
	local out
	if [ -n "${2:-}" ]; then
		out=$(taskset -c "$FE_CPU" "$BENCH" "$tmp/src.sock" "$tmp/guest.sock" "$1" "$secs" 0.5 \
			"$xo load $2" "$xo status >$tmp/status")
		grep "^verdicts" "$tmp/status" | sed 's/^/      /' >&2
	else
		out=$(taskset -c "$FE_CPU" "$BENCH" "$tmp/src.sock" "$tmp/guest.sock" "$1" "$secs" 0.5)
	fi
	echo "  $out" >&2
	sed -n 's/.* mpps=\([0-9.]*\).*/\1/p' <<<"$out"
}

A=() B=() C=() D=()
for ((r = 1; r <= reps; r++)); do
	echo "# repetition $r/$reps" >&2
	A+=("$(one drop)")
	B+=("$(one drop-off "$progs/xdp1.bpf.o")")
	C+=("$(one tx)")
	D+=("$(one tx-off "$progs/xdp2.bpf.o")")
done

# median and min-max of the arguments
stats() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.3f %.3f-%.3f", m, v[1], v[NR] }'; }
read -r ma ra <<<"$(stats "${A[@]}")"
read -r mb rb <<<"$(stats "${B[@]}")"
read -r mc rc <<<"$(stats "${C[@]}")"
read -r md rd <<<"$(stats "${D[@]}")"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

echo
echo "bench/xo.sh $build $secs $reps: 64-byte frames to a guest port, Mpps (median of $reps; min-max)"
printf '%-34s %8s  %-13s %s\n' "case" "Mpps" "min-max" "offloaded/in-guest"
printf '%-34s %8s  %-13s\n' "(a) drop in the guest" "$ma" "$ra"
printf '%-34s %8s  %-13s %s\n' "(b) drop offloaded (xdp1)" "$mb" "$rb" "$(ratio "$mb" "$ma")"
printf '%-34s %8s  %-13s\n' "(c) MAC-swap TX in the guest" "$mc" "$rc"
printf '%-34s %8s  %-13s %s\n' "(d) MAC-swap TX offloaded (xdp2)" "$md" "$rd" "$(ratio "$md" "$mc")"
