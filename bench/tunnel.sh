#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tunnel.sh - single-stream TCP over a VXLAN tunnel: vnetd's tunnel port against the kernel's
#
# In one run, iperf3 between two namespaces over VXLAN (VNI 42, UDP 4789)
# across a veth underlay, each way (tx: towards the kernel's end; rx: from
# it, iperf3 -R), through:
#   (k) the kernel alone: a kernel vxlan device at both ends;
#   (v) a tap <-> vnetd (tap port + vxlan port, vnetd in its own namespace)
#       <-> the underlay <-> a kernel vxlan device, once with the tunnel
#       port's gso=off,gro=off (every segment its own datagram, each way)
#       and once with gso=on,gro=on (UDP_SEGMENT out, UDP_GRO in), where
#       the kernel offers them.
# The tap and both vxlan devices keep their default offloads (TSO on the
# tap), except transmit checksum offload on the kernel's device at vnetd's
# far end: over a veth the kernel hands a partial inner checksum to the
# receiving socket, which a userspace endpoint cannot complete (a physical
# underlay completes it). GRO is on at both ends of the underlay veth, as
# a physical NIC has it (a veth does no GRO by default), and for (v) TSO
# off at the kernel's end (else the veth keeps its datagrams from GRO). For (v) it also
# prints the tunnel port's datagrams and system calls per 64 KiB of TCP
# payload (as iperf3 received it): send calls for tx, recvmmsg calls for rx.
# Prints Gbit/s of each and the ratios v/k (target >= 0.8, goal 1.0).
# Everything lives in namespaces this script creates.
#
# PERF=1 also prints where vnetd's CPU goes during the rx gro=on run.
#
# usage: [PERF=1] bench/tunnel.sh [BUILD_DIR] [SECONDS]   (root; iperf3, ethtool; perf)
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
	ip netns exec "$1" ethtool -K "${TAG}u" gro on >/dev/null
	ip netns exec "$2" ethtool -K "${TAG}w" gro on >/dev/null
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
	K_TX=$GBPS
	iperf "$a" "$b" -R
	K_RX=$GBPS
	ip netns del "$a"
	ip netns del "$b"
}

# per64k S0 S1 BYTES PACKETS CALLS: the port's PACKETS and CALLS counters
# between the stats documents S0 and S1, per 64 KiB of BYTES
per64k() {
	python3 - "$@" <<'PY'
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
print("%.1f %.1f" % (d(sys.argv[4]) / per, d(sys.argv[5]) / per))
PY
}

# vnetd_case ON|OFF: gso= and gro= of the tunnel port; sets TX_GBPS,
# TX_DGRAMS, TX_CALLS, RX_GBPS, RX_DGRAMS, RX_CALLS (per 64 KiB of payload)
vnetd_case() {
	local h="${TAG}vh" a="${TAG}va" b="${TAG}vb" tap="${TAG}t" mtu s0 s1
	mkns "$h"
	mkns "$a"
	mkns "$b"
	under "$h" "$b"
	kvx "$b" "10.$NET.1.2" "10.$NET.1.1" 2
	ip netns exec "$b" ethtool -K vx0 tx off >/dev/null
	# a veth offers a sender's datagrams to GRO (and so to UDP_GRO) only if
	# the sending end has no TSO; with vx0's checksum offload off, TCP in b
	# sends MSS-sized segments anyway
	ip netns exec "$b" ethtool -K "${TAG}w" tso off >/dev/null
	ip netns exec "$h" "$VNETD" -q -s "$TMP/ctl.sock" \
		--port "vxlan:name=tun0,local=10.$NET.1.1,remote=10.$NET.1.2,vni=42,gso=$1,gro=$1" \
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
	TX_GBPS=$GBPS
	read -r TX_DGRAMS TX_CALLS < <(per64k "$s0" "$s1" "$BYTES" tx_packets tx_calls)
	# PERF=1: where vnetd's CPU goes on receive, gso=on,gro=on (perf record)
	if [[ -n "${PERF:-}" && $1 == on ]]; then
		(sleep 1; perf record -o "$TMP/perf.rx" -p "$VNETD_PID" -- sleep $((T / 2)) \
			>/dev/null 2>&1) &
		PIDS+=($!)
	fi
	iperf "$a" "$b" -R
	if [[ -n "${PERF:-}" && $1 == on ]]; then
		wait "${PIDS[-1]}" || true
		echo "perf, vnetd during rx with gro=on (top symbols, % of its samples):"
		perf report -i "$TMP/perf.rx" --no-children --sort sym 2>/dev/null |
			grep -v '^#' | grep '%' | head -20 || true
	fi
	s0=$("$VNETCTL" -s "$TMP/ctl.sock" --json stats tun0 --all)
	RX_GBPS=$GBPS
	read -r RX_DGRAMS RX_CALLS < <(per64k "$s1" "$s0" "$BYTES" rx_packets rx_calls)
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
OFF=("$TX_GBPS" "$TX_DGRAMS" "$TX_CALLS" "$RX_GBPS" "$RX_DGRAMS" "$RX_CALLS")
vnetd_case on
ON=("$TX_GBPS" "$TX_DGRAMS" "$TX_CALLS" "$RX_GBPS" "$RX_DGRAMS" "$RX_CALLS")

printf '%-50s %9s %16s %16s\n' "path (single TCP stream over VXLAN)" "Gbit/s" "datagrams/64KiB" "syscalls/64KiB"
printf '%-50s %9s\n' "tx (k) kernel vxlan -> kernel vxlan" "$K_TX"
printf '%-50s %9s %16s %16s\n' "tx (v) tap -> vnetd gso=off -> kernel vxlan" "${OFF[0]}" "${OFF[1]}" "${OFF[2]}"
printf '%-50s %9s %16s %16s\n' "tx (v) tap -> vnetd gso=on -> kernel vxlan" "${ON[0]}" "${ON[1]}" "${ON[2]}"
printf '%-50s %9s\n' "rx (k) kernel vxlan <- kernel vxlan" "$K_RX"
printf '%-50s %9s %16s %16s\n' "rx (v) tap <- vnetd gro=off <- kernel vxlan" "${OFF[3]}" "${OFF[4]}" "${OFF[5]}"
printf '%-50s %9s %16s %16s\n' "rx (v) tap <- vnetd gro=on <- kernel vxlan" "${ON[3]}" "${ON[4]}" "${ON[5]}"
python3 - "$K_TX" "${OFF[0]}" "${ON[0]}" "$K_RX" "${OFF[3]}" "${ON[3]}" <<'PY'
import sys
ktx, offtx, ontx, krx, offrx, onrx = map(float, sys.argv[1:])
r = lambda x, y: x / y if y else 0
print("%-50s %9.2f" % ("ratio v/k tx, gso=off", r(offtx, ktx)))
print("%-50s %9.2f   (target >= 0.8, goal 1.0)" % ("ratio v/k tx, gso=on", r(ontx, ktx)))
print("%-50s %9.2f" % ("ratio v/k rx, gro=off", r(offrx, krx)))
print("%-50s %9.2f   (target >= 0.8, goal 1.0)" % ("ratio v/k rx, gro=on", r(onrx, krx)))
PY
