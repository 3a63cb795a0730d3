#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vhost.sh - vhost-user device throughput: vnetd (two vhost-user ports, switched) vs
# DPDK testpmd (two net_vhost ports, io forwarding), driven by the same front-end
# process (bench_vhost: memfd guest memory, kicks), over split rings and over
# packed rings (bench_vhost --packed; both devices offer VIRTIO_F_RING_PACKED),
# in one run.
#
# Usage: bench/vhost.sh [BUILD_DIR] [SECONDS] [REPS]   (dpdk-testpmd from dpdk-dev)
# Each repetition starts vnetd and testpmd in turn (the order alternates between
# repetitions, so a drift in the machine's load hits both) and measures, after a
# 0.5 s warm-up, Mpps with 60-byte frames (64 on the wire) and Gbit/s with
# 65000-byte TSO frames that B receives. The table gives the median of REPS for
# each device, the ratio of the medians, and each side's min-max.
# Placement is the same for both: the front-end on CPU 0, the device on CPU 1
# (vnetd: all its threads; testpmd: its forwarding lcore). "dev CPU" is the CPU
# time the device process got during a measurement, in percent of one CPU: on a
# shared machine it tells how much of the figure is the device and how much the
# load of others; the "per device CPU-second" rows divide each figure by it (a
# busy-polling device uses all the CPU it gets, so this is its cost per frame,
# less sensitive to other load, but the front-end's share still limits both).
# Noisy on a shared 2-CPU machine: both sides busy-poll a core.
set -euo pipefail
build=${1:-build}
secs=${2:-3}
reps=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
BENCH=$build/bench/bench_vhost
. "$here/../tests/e2e/lib_vnetd.sh"
command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd missing: apt-get install dpdk-dev" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset missing: apt-get install util-linux" >&2; exit 2; }
tmp=$(mktemp -d)
tp_pid=
FE_CPU=0
DEV_CPU=1

cleanup() {
	vnetd_stop TERM >/dev/null 2>&1 || true
	[ -n "$tp_pid" ] && kill -INT "$tp_pid" 2>/dev/null && wait "$tp_pid" 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# CPU ticks (utime + stime, all threads) of process $1
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# $1 label, $2 device pid, $3 A socket, $4 B socket, $5 size, $6 field, $7 ring:
# prints the figure
one() {
	local t0 t1 w0 w1 out fig cpu opt=()
	[ "$7" = packed ] && opt=(--packed)
	t0=$(ticks "$2"); w0=$(date +%s.%N)
	out=$(taskset -c "$FE_CPU" "$BENCH" "${opt[@]}" "$3" "$4" "$5" "$secs" 0.5)
	t1=$(ticks "$2"); w1=$(date +%s.%N)
	fig=$(sed -n "s/.* $6=\([0-9.]*\).*/\1/p" <<<"$out")
	cpu=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v w0="$w0" -v w1="$w1" \
		'BEGIN { printf "%.0f", 100 * t / hz / (w1 - w0) }')
	printf '  %-8s %-6s %5s B: %s  dev CPU %s%%\n' "$1" "$7" "$5" "$out" "$cpu" >&2
	# the figure, and the figure per CPU-second the device got
	awk -v f="$fig" -v c="$cpu" 'BEGIN { printf "%s %.3f\n", f, (c > 0) ? f * 100 / c : 0 }'
}

# $1 array name, $2 "figure per-cpu": append both
put() { local -n a=$1 b=${1}_cpu; a+=("${2% *}"); b+=("${2#* }"); }

run_vnetd() {
	vnetd_start "$tmp/vnetd.out" "$tmp/vnetd.log" --busy-poll -q \
		--port "vhost-user:name=va,path=$tmp/va.sock" \
		--port "vhost-user:name=vb,path=$tmp/vb.sock"
	taskset -a -p -c "$DEV_CPU" "$VNETD_PID" >/dev/null
	for ring in split packed; do
		put "V64_$ring" "$(one vnetd "$VNETD_PID" "$tmp/va.sock" "$tmp/vb.sock" 60 mpps $ring)"
		# the switch learns nothing from B (it never sends): frames flood to B, fine with 2 ports
		put "VTSO_$ring" "$(one vnetd "$VNETD_PID" "$tmp/va.sock" "$tmp/vb.sock" 65000 gbps $ring)"
	done
	vnetd_stop TERM
}

run_testpmd() {
	rm -f "$tmp/ta.sock" "$tmp/tb.sock"
	# -l 0-1: main lcore on CPU 0 (control, mostly asleep), forwarding lcore on CPU 1
	dpdk-testpmd -l "$FE_CPU,$DEV_CPU" -n 1 --no-huge -m 1024 --no-pci --file-prefix "vnvu$$" \
		--vdev "net_vhost0,iface=$tmp/ta.sock,queues=1,tso=1" \
		--vdev "net_vhost1,iface=$tmp/tb.sock,queues=1,tso=1" -- \
		--forward-mode=io --auto-start --nb-cores=1 --total-num-mbufs=32768 \
		--stats-period 60 >"$tmp/testpmd.log" 2>&1 &
	tp_pid=$!
	for s in ta tb; do
		wait_for 30 test -S "$tmp/$s.sock" || { cat "$tmp/testpmd.log"; exit 1; }
	done
	for ring in split packed; do
		put "T64_$ring" "$(one testpmd "$tp_pid" "$tmp/ta.sock" "$tmp/tb.sock" 60 mpps $ring)"
		put "TTSO_$ring" "$(one testpmd "$tp_pid" "$tmp/ta.sock" "$tmp/tb.sock" 65000 gbps $ring)"
	done
	kill -INT "$tp_pid"; wait "$tp_pid" 2>/dev/null || true; tp_pid=
}

for n in V64 VTSO T64 TTSO; do
	for ring in split packed; do declare -a "${n}_$ring=()" "${n}_${ring}_cpu=()"; done
done
echo "# $reps repetitions of ${secs} s (+0.5 s warm-up) per figure; front-end on CPU $FE_CPU, device on CPU $DEV_CPU"
echo "# vnetd: two vhost-user ports, one worker, --busy-poll; testpmd: net_vhost0/1 (tso=1), io forwarding"
for ((r = 1; r <= reps; r++)); do
	echo "# repetition $r" >&2
	if ((r % 2)); then run_vnetd; run_testpmd; else run_testpmd; run_vnetd; fi
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "| test (median of $reps) | ring | vnetd | testpmd | vnetd/testpmd | vnetd min-max | testpmd min-max |"
echo "|---|---|---|---|---|---|---|"
row() {	# $1 label, $2 ring, $3 vnetd array, $4 testpmd array
	local -n v=$3 t=$4
	local mv mt
	mv=$(median "${v[@]}"); mt=$(median "${t[@]}")
	echo "| $1 | $2 | $mv | $mt | $(ratio "$mv" "$mt") | $(range "${v[@]}") | $(range "${t[@]}") |"
}
for ring in split packed; do
	row "64-byte frames, Mpps" $ring "V64_$ring" "T64_$ring"
	row "64 KiB TSO frames, Gbit/s" $ring "VTSO_$ring" "TTSO_$ring"
done
for ring in split packed; do
	row "64-byte, Mpps per device CPU-second" $ring "V64_${ring}_cpu" "T64_${ring}_cpu"
	row "TSO, Gbit/s per device CPU-second" $ring "VTSO_${ring}_cpu" "TTSO_${ring}_cpu"
done
echo
r64=$(ratio "$(median "${V64_packed[@]}")" "$(median "${V64_split[@]}")")
rtso=$(ratio "$(median "${VTSO_packed[@]}")" "$(median "${VTSO_split[@]}")")
echo "vnetd packed/split: 64-byte $r64, TSO $rtso"
