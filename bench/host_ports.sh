#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# host_ports.sh - host ports against the Linux bridge, in one run
#
# Single-stream TCP (iperf3) from a namespace whose veth's host end is
#   (a) an afpacket port of vnetd, switched to a tap in a second namespace,
#   (b) a port of a Linux bridge, with a second veth into the second
#       namespace (the bridge in its own namespace);
# and 64-byte frames per second (trafgen from the first namespace, counted
# as rx_packets in the second) through (a) afpacket, (c) afxdp (native XDP
# on the veth) and (b) the bridge. For (c) the sender's veth has TSO, GSO
# and checksum offload off (XDP carries none of them); the TCP figure of
# (a) is taken with offloads on, as users run it. Prints each figure and
# the ratios a/b (TCP; target >= 0.8) and c/a (64-byte; target >= 2).
# Everything lives in namespaces this script creates.
#
# usage: bench/host_ports.sh [BUILD_DIR] [SECONDS]   (root; iperf3, trafgen, ethtool)
set -euo pipefail
BUILD=${1:-build}
T=${2:-10}
VNETD=${VNETD:-$BUILD/src/cmd/vnetd}
TAG="hp${RANDOM}"
NET=79
. "$(dirname "$0")/lib_ns.sh"

# pps NS_TX IF_TX NS_RX IF_RX -> PPS
pps() {
	cat > "$TMP/trafgen.cfg" <<CFG
{
  eth(da=02:$NET:00:00:00:02, sa=02:$NET:00:00:00:01, type=0x0800),
  ipv4(saddr=10.$NET.0.1, daddr=10.$NET.0.2, proto=17, ttl=64),
  udp(sp=9, dp=9),
  fill(0x00, 18),
}
CFG
	local c1 c2 t1 t2
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

# vnetd case: KIND(afpacket|afxdp) -> NS1 (veth peer V1) and NS2 (tap B)
vnetd_up() {
	local k=${1:2:1}	# afpacket -> p, afxdp -> x: names stay under 16 bytes
	NS1="${TAG}${k}x"
	NS2="${TAG}${k}y"
	H="${TAG}${k}h"
	V1="${TAG}${k}p"
	B="${TAG}${k}t"
	mkns "$NS1"
	mkns "$NS2"
	ip link add "$H" type veth peer name "$V1" netns "$NS1"
	ip link set "$H" up
	addr "$NS1" "$V1" 1
	if [[ $1 == afxdp ]]; then
		ip netns exec "$NS1" ethtool -K "$V1" tso off gso off tx off >/dev/null
	fi
	"$VNETD" --port "$1:name=$H" --port "tap:name=$B" >"$TMP/vnetd.log" 2>&1 &
	VNETD_PID=$!
	wait_for 10 ip link show "$B" || die "$1: no tap: $(cat "$TMP/vnetd.log")"
	ip link set "$B" netns "$NS2"
	addr "$NS2" "$B" 2
	wait_for 10 ip netns exec "$NS1" busybox ping -c 1 -W 1 "10.$NET.0.2" || die "no ping through $1"
}

vnetd_down() {
	kill -TERM "$VNETD_PID"
	wait "$VNETD_PID" || true
	VNETD_PID=""
	ip link del "$H" 2>/dev/null || true
	ip netns del "$NS1"
	ip netns del "$NS2"
}

bridge_up() {
	NS1="${TAG}bx"
	NS2="${TAG}by"
	NSB="${TAG}bb"
	V1="${TAG}bp"
	V2="${TAG}bq"
	mkns "$NS1"
	mkns "$NS2"
	mkns "$NSB"
	ip -n "$NSB" link add br0 type bridge
	ip -n "$NSB" link set br0 up
	ip -n "$NSB" link add "${V1}h" type veth peer name "$V1" netns "$NS1"
	ip -n "$NSB" link add "${V2}h" type veth peer name "$V2" netns "$NS2"
	ip -n "$NSB" link set "${V1}h" master br0 up
	ip -n "$NSB" link set "${V2}h" master br0 up
	addr "$NS1" "$V1" 1
	addr "$NS2" "$V2" 2
	wait_for 10 ip netns exec "$NS1" busybox ping -c 1 -W 1 "10.$NET.0.2" || die "no ping through the bridge"
}

bridge_down() {
	ip netns del "$NS1"
	ip netns del "$NS2"
	ip netns del "$NSB"
}

[[ -x "$VNETD" ]] || die "no vnetd at $VNETD (build first)"
echo "bench/host_ports.sh: $T s per figure, $(nproc) CPUs (shared: figures are noisy), load $(cut -d' ' -f1-3 /proc/loadavg)"

vnetd_up afpacket
iperf "$NS1" "$NS2"; A_GBPS=$GBPS
pps "$NS1" "$V1" "$NS2" "$B"; A_PPS=$PPS
vnetd_down

vnetd_up afxdp
pps "$NS1" "$V1" "$NS2" "$B"; C_PPS=$PPS
vnetd_down

bridge_up
iperf "$NS1" "$NS2"; B_GBPS=$GBPS
pps "$NS1" "$V1" "$NS2" "$V2"; B_PPS=$PPS
bridge_down

printf '%-44s %12s\n' "path" "figure"
printf '%-44s %9s Gbps\n' "(a) vnetd: afpacket veth + tap" "$A_GBPS"
printf '%-44s %9s Gbps\n' "(b) Linux bridge: veth + veth" "$B_GBPS"
printf '%-44s %9s pps\n' "(a) afpacket, 64-byte frames" "$A_PPS"
printf '%-44s %9s pps\n' "(c) afxdp, 64-byte frames" "$C_PPS"
printf '%-44s %9s pps\n' "(b) Linux bridge, 64-byte frames" "$B_PPS"
python3 - "$A_GBPS" "$B_GBPS" "$A_PPS" "$C_PPS" "$B_PPS" <<'PY'
import sys
a, b, apps, cpps, bpps = map(float, sys.argv[1:])
r = lambda x, y: x / y if y else 0
print("%-44s %9.2f   (target >= 0.8)" % ("ratio a/b (TCP)", r(a, b)))
print("%-44s %9.2f   (target >= 2)" % ("ratio c/a (64-byte pps)", r(cpps, apps)))
print("%-44s %9.2f" % ("ratio c/b (64-byte pps)", r(cpps, bpps)))
PY
