#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tcp.sh - single-stream TCP Gbps and 64-byte frames/s: vnetd against the Linux bridge, in one run
#
#   (a) vnetd, tap offloads on        (b) vnetd, tap offloads off
#   (c) Linux bridge + veth pairs     (d) Linux bridge + veth, offloads off
#       (ethtool -K tso off gso off tx off on every veth end)
# plus 64-byte frames per second for (a) and (c), sent with trafgen from one
# namespace and counted (rx_packets) in the other. Prints each figure, the
# ratios a/c and a/b, and vnetd's CPU seconds per GB moved in (a) (utime +
# stime from /proc/PID/stat). Everything lives in namespaces this script
# creates (the bridge too); nothing is left behind.
#
# usage: bench/tcp.sh [BUILD_DIR] [SECONDS]     (root; needs iperf3, trafgen, ethtool)
set -euo pipefail
BUILD=${1:-build}
T=${2:-10}
VNETD=${VNETD:-$BUILD/src/cmd/vnetd}
TAG="vb${RANDOM}"
NSS=()
PIDS=()
VNETD_PID=""
TMP=$(mktemp -d "/tmp/$TAG.XXXXXX")

cleanup() {
	local p n
	for p in "${PIDS[@]}" $VNETD_PID; do
		kill "$p" 2>/dev/null || true
	done
	[[ -n "$VNETD_PID" ]] && { wait "$VNETD_PID" 2>/dev/null || true; }
	for n in "${NSS[@]}"; do
		ip netns del "$n" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

die() { echo "tcp.sh: $*" >&2; exit 1; }

# wait_for SECS CMD...: shared with the e2e tests
. "$(dirname "$0")/../tests/e2e/lib_vnetd.sh"

mkns() {
	ip netns add "$1"
	NSS+=("$1")
	ip -n "$1" link set lo up
}

# addr NS IF IDX: MAC 02:78::IDX, 10.78.0.IDX/24
addr() {
	ip -n "$1" link set "$2" address "02:78:00:00:00:0$3"
	ip -n "$1" addr add "10.78.0.$3/24" dev "$2"
	ip -n "$1" link set "$2" up
}

# iperf NS_CLIENT NS_SERVER: sets GBPS and BYTES (globals: no subshells, so
# the cleanup list stays complete)
iperf() {
	ip netns exec "$2" iperf3 -s -1 -B 10.78.0.2 >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for 10 ip netns exec "$2" bash -c "ss -ltn | grep -q ':5201 '" || die "iperf3 server"
	ip netns exec "$1" timeout $((T + 30)) iperf3 -c 10.78.0.2 -t "$T" -J > "$TMP/iperf.json" ||
		die "iperf3 client failed"
	read -r GBPS BYTES < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["end"]["sum_received"]
print("%.2f %d" % (d["bits_per_second"] / 1e9, d["bytes"]))' "$TMP/iperf.json")
}

# pps NS_TX IF_TX NS_RX IF_RX: sets PPS, 64-byte frames (60 + FCS) per second received
pps() {
	cat > "$TMP/trafgen.cfg" <<CFG
{
  eth(da=02:78:00:00:00:02, sa=02:78:00:00:00:01, type=0x0800),
  ipv4(saddr=10.78.0.1, daddr=10.78.0.2, proto=17, ttl=64),
  udp(sp=9, dp=9),
  fill(0x00, 18),
}
CFG
	local c1 c2 t1 t2
	# trafgen stops on SIGINT (SIGTERM leaves its sender child running)
	ip netns exec "$1" timeout -s INT $((T + 3)) trafgen --dev "$2" --conf "$TMP/trafgen.cfg" \
		--cpus 1 -q >/dev/null 2>&1 &
	local tg=$!
	PIDS+=("$tg")
	sleep 1
	c1=$(ip netns exec "$3" cat "/sys/class/net/$4/statistics/rx_packets")
	t1=$(date +%s.%N)
	sleep "$T"
	c2=$(ip netns exec "$3" cat "/sys/class/net/$4/statistics/rx_packets")
	t2=$(date +%s.%N)
	wait "$tg" 2>/dev/null || true
	PPS=$(python3 -c "print('%.0f' % (($c2 - $c1) / ($t2 - $t1)))")
}

cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# vnetd case: OFFLOAD -> sets NS1 NS2 A B
vnetd_up() {
	A="${TAG}$1a"
	B="${TAG}$1b"
	NS1="${TAG}$1x"
	NS2="${TAG}$1y"
	"$VNETD" --port "tap:name=$A,offload=$1" --port "tap:name=$B,offload=$1" \
		>"$TMP/vnetd.log" 2>&1 &
	VNETD_PID=$!
	wait_for 10 ip link show "$A" || die "vnetd did not create $A: $(cat "$TMP/vnetd.log")"
	wait_for 10 ip link show "$B" || die "vnetd did not create $B"
	mkns "$NS1"
	mkns "$NS2"
	ip link set "$A" netns "$NS1"
	ip link set "$B" netns "$NS2"
	addr "$NS1" "$A" 1
	addr "$NS2" "$B" 2
	wait_for 10 ip netns exec "$NS1" ping -c 1 -W 1 10.78.0.2 ||
		wait_for 10 ip netns exec "$NS1" busybox ping -c 1 -W 1 10.78.0.2 || die "no ping through vnetd"
}

vnetd_down() {
	kill -TERM "$VNETD_PID"
	wait "$VNETD_PID" || true
	VNETD_PID=""
	ip netns del "$NS1"
	ip netns del "$NS2"
}

# bridge case: OFFLOAD(on|off) -> NS1 NS2 with veth ends V1 V2 into a bridge in NSB
bridge_up() {
	NS1="${TAG}$1x"
	NS2="${TAG}$1y"
	NSB="${TAG}$1br"
	V1="${TAG}$1v1"
	V2="${TAG}$1v2"
	mkns "$NS1"
	mkns "$NS2"
	mkns "$NSB"
	ip -n "$NSB" link add br0 type bridge
	ip -n "$NSB" link set br0 up
	ip -n "$NSB" link add "${V1}p" type veth peer name "$V1" netns "$NS1"
	ip -n "$NSB" link add "${V2}p" type veth peer name "$V2" netns "$NS2"
	ip -n "$NSB" link set "${V1}p" master br0 up
	ip -n "$NSB" link set "${V2}p" master br0 up
	addr "$NS1" "$V1" 1
	addr "$NS2" "$V2" 2
	if [[ "$1" == off ]]; then
		ip netns exec "$NS1" ethtool -K "$V1" tso off gso off tx off >/dev/null
		ip netns exec "$NS2" ethtool -K "$V2" tso off gso off tx off >/dev/null
		ip netns exec "$NSB" ethtool -K "${V1}p" tso off gso off tx off >/dev/null
		ip netns exec "$NSB" ethtool -K "${V2}p" tso off gso off tx off >/dev/null
	fi
	wait_for 10 ip netns exec "$NS1" busybox ping -c 1 -W 1 10.78.0.2 || die "no ping through the bridge"
}

bridge_down() {
	ip netns del "$NS1"
	ip netns del "$NS2"
	ip netns del "$NSB"
}

[[ -x "$VNETD" ]] || die "no vnetd at $VNETD (build first)"
echo "bench/tcp.sh: $T s per figure, $(nproc) CPUs (shared: figures are noisy)"

vnetd_up on
t0=$(cpu_ticks "$VNETD_PID")
iperf "$NS1" "$NS2"
A_GBPS=$GBPS
t1=$(cpu_ticks "$VNETD_PID")
A_CPU=$(python3 -c "import os; print('%.3f' % (($t1 - $t0) / os.sysconf('SC_CLK_TCK') / ($BYTES / 1e9)))")
pps "$NS1" "$A" "$NS2" "$B"
A_PPS=$PPS
vnetd_down

vnetd_up off
iperf "$NS1" "$NS2"
B_GBPS=$GBPS
vnetd_down

bridge_up on
iperf "$NS1" "$NS2"
C_GBPS=$GBPS
pps "$NS1" "$V1" "$NS2" "$V2"
C_PPS=$PPS
bridge_down

bridge_up off
iperf "$NS1" "$NS2"
D_GBPS=$GBPS
bridge_down

printf '%-44s %12s\n' "path" "figure"
printf '%-44s %9s Gbps\n' "(a) vnetd, offloads on" "$A_GBPS"
printf '%-44s %9s Gbps\n' "(b) vnetd, offloads off" "$B_GBPS"
printf '%-44s %9s Gbps\n' "(c) Linux bridge + veth" "$C_GBPS"
printf '%-44s %9s Gbps\n' "(d) Linux bridge + veth, offloads off" "$D_GBPS"
printf '%-44s %9s pps\n' "(a) vnetd, 64-byte frames" "$A_PPS"
printf '%-44s %9s pps\n' "(c) Linux bridge, 64-byte frames" "$C_PPS"
python3 - "$A_GBPS" "$B_GBPS" "$C_GBPS" "$A_PPS" "$C_PPS" "$A_CPU" <<'PY'
import sys
a, b, c, apps, cpps, cpu = map(float, sys.argv[1:])
print("%-44s %9.2f   (target >= 0.8)" % ("ratio a/c (TCP)", a / c if c else 0))
print("%-44s %9.2f   (target >= 3)" % ("ratio a/b (TCP)", a / b if b else 0))
print("%-44s %9.2f" % ("ratio a/c (64-byte pps)", apps / cpps if cpps else 0))
print("%-44s %9.3f s" % ("vnetd CPU time per GB in (a)", cpu))
PY
