#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tunnel.sh - single-stream TCP over a VXLAN tunnel: vnetd's tunnel port against the kernel's
#
# In one run, iperf3 from one namespace to another over VXLAN (VNI 42, UDP
# 4789) across a veth underlay, through:
#   (k) the kernel alone: a kernel vxlan device at both ends;
#   (v) a tap -> vnetd (tap port + vxlan port, vnetd in its own namespace)
#       -> the underlay -> a kernel vxlan device, once with the tunnel
#       port's gso=off (every segment its own datagram) and once with
#       gso=on (UDP_SEGMENT), where the kernel offers it.
# The tap and both vxlan devices keep their default offloads (TSO on the
# tap), except transmit checksum offload on the kernel's device at vnetd's
# far end: over a veth the kernel hands a partial inner checksum to the
# receiving socket, which a userspace endpoint cannot complete (a physical
# underlay completes it). For (v) it also prints the tunnel port's
# datagrams and send calls per 64 KiB of TCP payload (as iperf3 received it).
# Prints Gbit/s of each and the ratios v/k (target >= 0.8, goal 1.0).
# Everything lives in namespaces this script creates.
#
# usage: bench/tunnel.sh [BUILD_DIR] [SECONDS]   (root; iperf3, ethtool)
set -euo pipefail
BUILD=${1:-build}
T=${2:-10}
VNETD=${VNETD:-$BUILD/src/cmd/vnetd}
VNETCTL=${VNETCTL:-$BUILD/src/cmd/vnetctl}
TAG="tn${RANDOM}"
NET=81
. "$(dirname "$0")/lib_ns.sh"

# under NS_A NS_B: a veth underlay 10.NET.1.1 (in NS_A) <-> 10.NET.1.2 (in NS_B)
under() {
	ip -n "$1" link add "${TAG}u" type veth peer name "${TAG}w" netns "$2"
	ip -n "$1" addr add "10.$NET.1.1/24" dev "${TAG}u"
	ip -n "$1" link set "${TAG}u" up
	ip -n "$2" addr add "10.$NET.1.2/24" dev "${TAG}w"
	ip -n "$2" link set "${TAG}w" up
}

# kvx NS LOCAL REMOTE IDX: kernel vxlan device vx0 with 10.NET.0.IDX
kvx() {
	ip -n "$1" link add vx0 type vxlan id 42 local "$2" remote "$3" dstport 4789
	addr "$1" vx0 "$4"
}

kernel_case() {
	local a="${TAG}ka" b="${TAG}kb"
	mkns "$a"
	mkns "$b"
	under "$a" "$b"
	kvx "$a" "10.$NET.1.1" "10.$NET.1.2" 1
	kvx "$b" "10.$NET.1.2" "10.$NET.1.1" 2
	wait_for 10 ip netns exec "$a" busybox ping -c 1 -W 1 "10.$NET.0.2" >/dev/null ||
		die "kernel vxlan: no ping"
	iperf "$a" "$b"
	K_GBPS=$GBPS
	ip netns del "$a"
	ip netns del "$b"
}

# vnetd_case GSO: V_GBPS, V_DGRAMS and V_CALLS per 64 KiB of payload
vnetd_case() {
	local h="${TAG}vh" a="${TAG}va" b="${TAG}vb" tap="${TAG}t" mtu s0 s1
	mkns "$h"
	mkns "$a"
	mkns "$b"
	under "$h" "$b"
	kvx "$b" "10.$NET.1.2" "10.$NET.1.1" 2
	ip netns exec "$b" ethtool -K vx0 tx off >/dev/null
	ip netns exec "$h" "$VNETD" -q -s "$TMP/ctl.sock" \
		--port "vxlan:name=tun0,local=10.$NET.1.1,remote=10.$NET.1.2,vni=42,gso=$1" \
		--port "tap:name=$tap" >"$TMP/vnetd.out" 2>"$TMP/vnetd.log" &
	VNETD_PID=$!
	wait_for 10 ip -n "$h" link show "$tap" >/dev/null 2>&1 || die "vnetd: $(cat "$TMP/vnetd.log")"
	mtu=$("$VNETCTL" -s "$TMP/ctl.sock" --json port list | python3 -c '
import json, sys
print([p["mtu"] for p in json.load(sys.stdin) if p["name"] == "tun0"][0])')
	ip -n "$h" link set "$tap" netns "$a"
	ip -n "$a" link set "$tap" mtu "$mtu"
	addr "$a" "$tap" 1
	wait_for 10 ip netns exec "$a" busybox ping -c 1 -W 1 "10.$NET.0.2" >/dev/null ||
		die "vnetd vxlan: no ping"
	s0=$("$VNETCTL" -s "$TMP/ctl.sock" --json stats tun0 --all)
	iperf "$a" "$b"
	s1=$("$VNETCTL" -s "$TMP/ctl.sock" --json stats tun0 --all)
	V_GBPS=$GBPS
	read -r V_DGRAMS V_CALLS < <(python3 - "$s0" "$s1" "$BYTES" <<'PY'
import json, sys
def flat(doc):
    d = json.loads(doc)
    if isinstance(d, list):
        d = d[0]
    out = {}
    def walk(x):
        for k, v in x.items():
            if isinstance(v, dict):
                walk(v)
            elif isinstance(v, (int, float)):
                out[k] = v
    walk(d)
    return out
a, b, nbytes = flat(sys.argv[1]), flat(sys.argv[2]), int(sys.argv[3])
per = nbytes / 65536 or 1
d = lambda k: b.get(k, 0) - a.get(k, 0)
print("%.1f %.1f" % (d("tx_packets") / per, d("tx_calls") / per))
PY
	)
	kill -TERM "$VNETD_PID"
	wait "$VNETD_PID" || true
	VNETD_PID=""
	ip netns del "$a"
	ip netns del "$b"
	ip netns del "$h"
}

[[ -x "$VNETD" ]] || die "no vnetd at $VNETD (build first)"
command -v iperf3 >/dev/null || die "iperf3 missing"
echo "bench/tunnel.sh: $T s per figure, $(nproc) CPUs (shared: figures are noisy), load $(cut -d' ' -f1-3 /proc/loadavg), tcp congestion control $TCP_CC_NOTE"
kernel_case
vnetd_case off
OFF_GBPS=$V_GBPS OFF_DG=$V_DGRAMS OFF_CALLS=$V_CALLS
vnetd_case on
ON_GBPS=$V_GBPS ON_DG=$V_DGRAMS ON_CALLS=$V_CALLS

printf '%-48s %9s %18s %18s\n' "path (single TCP stream over VXLAN)" "Gbit/s" "datagrams/64KiB" "send calls/64KiB"
printf '%-48s %9s\n' "(k) kernel vxlan <-> kernel vxlan" "$K_GBPS"
printf '%-48s %9s %18s %18s\n' "(v) tap -> vnetd vxlan gso=off -> kernel vxlan" "$OFF_GBPS" "$OFF_DG" "$OFF_CALLS"
printf '%-48s %9s %18s %18s\n' "(v) tap -> vnetd vxlan gso=on -> kernel vxlan" "$ON_GBPS" "$ON_DG" "$ON_CALLS"
python3 - "$K_GBPS" "$OFF_GBPS" "$ON_GBPS" <<'PY'
import sys
k, off, on = map(float, sys.argv[1:])
r = lambda x, y: x / y if y else 0
print("%-48s %9.2f" % ("ratio v/k, gso=off", r(off, k)))
print("%-48s %9.2f   (target >= 0.8, goal 1.0)" % ("ratio v/k, gso=on", r(on, k)))
PY
