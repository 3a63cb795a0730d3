#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# vhost.sh - vhost-user device throughput: vnetd (two vhost-user ports, switched) vs
# DPDK testpmd (two net_vhost ports, io forwarding), driven by the same front-end
# process (bench_vhost: memfd guest memory, split rings, kicks), in one run.
#
# Usage: bench/vhost.sh [BUILD_DIR] [SECONDS]   (root not needed; dpdk-testpmd from dpdk-dev)
# Prints Mpps with 60-byte frames (64 on the wire) and Gbit/s with 65000-byte TSO
# frames that B receives, for each device, and the ratio vnetd/testpmd.
# Noisy on a shared 2-CPU machine: the front-end and the device each busy-poll a core.
set -euo pipefail
build=${1:-build}
secs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
BENCH=$build/bench/bench_vhost
. "$here/../tests/e2e/lib_vnetd.sh"
command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd missing: apt-get install dpdk-dev" >&2; exit 2; }
tmp=$(mktemp -d)
tp_pid=

cleanup() {
	vnetd_stop TERM >/dev/null 2>&1 || true
	[ -n "$tp_pid" ] && kill -INT "$tp_pid" 2>/dev/null && wait "$tp_pid" 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"; [ -n "${KEEP:-}" ] && echo "kept $tmp"
}
trap cleanup EXIT

# $1 label, $2 A socket, $3 B socket: sets R_<label>_64 (Mpps) and R_<label>_tso (Gbps)
measure() {
	local out
	out=$("$BENCH" "$2" "$3" 60 "$secs")
	echo "  $1 60 B:    $out"
	eval "R_$1_64=$(sed -n 's/.*mpps=\([0-9.]*\).*/\1/p' <<<"$out")"
	# the switch learns nothing from B (it never sends): frames flood to B, fine with 2 ports
	out=$("$BENCH" "$2" "$3" 65000 "$secs")
	echo "  $1 64 KiB TSO: $out"
	eval "R_$1_tso=$(sed -n 's/.*gbps=\([0-9.]*\).*/\1/p' <<<"$out")"
}

echo "# vnetd: two vhost-user ports, one worker, --busy-poll"
vnetd_start "$tmp/vnetd.out" "$tmp/vnetd.log" --busy-poll -q \
	--port "vhost-user:name=va,path=$tmp/va.sock" --port "vhost-user:name=vb,path=$tmp/vb.sock"
measure vnetd "$tmp/va.sock" "$tmp/vb.sock"
vnetd_stop TERM

echo "# DPDK testpmd: net_vhost0/1 (tso=1), io forwarding, one forwarding core"
dpdk-testpmd -l 0-1 -n 1 --no-huge -m 1024 --no-pci --file-prefix "vnvu$$" \
	--vdev "net_vhost0,iface=$tmp/ta.sock,queues=1,tso=1" \
	--vdev "net_vhost1,iface=$tmp/tb.sock,queues=1,tso=1" -- \
	--forward-mode=io --auto-start --nb-cores=1 --total-num-mbufs=32768 \
	--stats-period 60 >"$tmp/testpmd.log" 2>&1 &
tp_pid=$!
for s in ta tb; do
	wait_for 30 test -S "$tmp/$s.sock" || { cat "$tmp/testpmd.log"; exit 1; }
done
measure testpmd "$tmp/ta.sock" "$tmp/tb.sock"
kill -INT "$tp_pid"; wait "$tp_pid" 2>/dev/null || true; tp_pid=

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "| test | vnetd | testpmd | vnetd/testpmd |"
echo "|---|---|---|---|"
echo "| 64-byte frames, Mpps | $R_vnetd_64 | $R_testpmd_64 | $(ratio "$R_vnetd_64" "$R_testpmd_64") |"
echo "| 64 KiB TSO frames, Gbit/s | $R_vnetd_tso | $R_testpmd_tso | $(ratio "$R_vnetd_tso" "$R_testpmd_tso") |"
