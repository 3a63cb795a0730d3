#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# host_ports.sh - host ports against the Linux bridge, in one run
#
# Single-stream TCP (iperf3) from a namespace whose veth's host end is
#   (a) an afpacket port of vnetd, switched to a tap in a second namespace,
#       with each receive mode: rx=ring (TPACKET_V3) and rx=mmsg
#       (recvmmsg into the switch's buffers, the default), and rx=mmsg
#       with --workers 2 (the port and the tap on a worker each, each
#       sending to the other's port itself: direct transmit); and the other
#       way (iperf3 -R: the afpacket port transmits the data) with each
#       transmit mode, tx=mmsg (sendmmsg, the default) and tx=ring
#       (TPACKET_V3 transmit ring),
#   (b) a port of a Linux bridge, with a second veth into the second
#       namespace (the bridge in its own namespace), both ways;
# and 64-byte frames per second from one namespace to the other, each
# namespace behind a veth whose host ends are two ports of the same kind:
# (a) two afpacket ports (rx=ring, then rx=mmsg, then rx=mmsg with tx=ring),
# (c) two afxdp ports (native XDP on the veths),
# (b) two ports of the bridge. The frames (trafgen, one CPU) carry an
# EtherType nothing in the receiving namespace handles (0x88b5, local
# experimental), so they are counted (rx_packets) and dropped there at
# once: the figure is what the forwarder moves, not what a receiving stack
# costs, and both ends use the kind under test (the tap's one write per
# frame would otherwise be the limit of both). Printed beside each figure:
# the frames/s trafgen got out (when the forwarder keeps up, the sender is
# the limit and the figures are equal) and vnetd's CPU per frame
# (utime + stime over frames), which compares the kinds even then. For (c)
# the veths have TSO, GSO and checksum offload off (XDP carries none of
# them); the TCP figure of (a) is taken with offloads on, as users run it.
# Prints the ratios a/b (TCP; target >= 0.8) and c/a (64-byte; target >= 2),
# for each receive mode of (a), two workers against one (rx=mmsg), and
# tx=ring against tx=mmsg (TCP the other way, 64-byte frames).
# Everything lives in namespaces this script creates.
#
# usage: bench/host_ports.sh [BUILD_DIR] [SECONDS]   (root; iperf3, trafgen, ethtool)
#        CC=cubic bench/host_ports.sh ...   iperf3 with that congestion control
#        ROUNDS=N bench/host_ports.sh ...    TCP figures: medians of N alternated rounds
#        AFP_OPTS=,qdisc-bypass=on ...       more options on every afpacket port
set -euo pipefail
BUILD=${1:-build}
T=${2:-10}
ROUNDS=${ROUNDS:-1}
AFP_OPTS=${AFP_OPTS:-}
WORKERS_OPT=""
VNETD=${VNETD:-$BUILD/src/cmd/vnetd}
TAG="hp${RANDOM}"
NET=79
. "$(dirname "$0")/lib_ns.sh"

# pps NS_TX IF_TX NS_RX IF_RX -> PPS (received), SENT (frames/s out of
# IF_TX), NSF (vnetd's CPU ns per frame received, when VNETD_PID is set)
pps() {
	cat > "$TMP/trafgen.cfg" <<CFG
{
  eth(da=02:$NET:00:00:00:02, sa=02:$NET:00:00:00:01, type=0x88b5),
  fill(0x00, 46),
}
CFG
	local c1 c2 s1 s2 t1 t2 u1=0 u2=0
	ip netns exec "$1" timeout -s INT $((T + 3)) trafgen --dev "$2" --conf "$TMP/trafgen.cfg" \
		--cpus 1 -q >/dev/null 2>&1 &
	local tg=$!
	PIDS+=("$tg")
	sleep 1
	c1=$(ip netns exec "$3" cat "/sys/class/net/$4/statistics/rx_packets")
	s1=$(ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_packets")
	[[ -n "$VNETD_PID" ]] && u1=$(awk '{ print $14 + $15 }' "/proc/$VNETD_PID/stat")
	t1=$(date +%s.%N)
	sleep "$T"
	c2=$(ip netns exec "$3" cat "/sys/class/net/$4/statistics/rx_packets")
	s2=$(ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_packets")
	[[ -n "$VNETD_PID" ]] && u2=$(awk '{ print $14 + $15 }' "/proc/$VNETD_PID/stat")
	t2=$(date +%s.%N)
	wait "$tg" 2>/dev/null || true
	read -r PPS SENT NSF < <(python3 -c "
import os
d = $t2 - $t1
n = $c2 - $c1
print('%.0f %.0f %s' % (n / d, ($s2 - $s1) / d,
      '%.0f' % (($u2 - $u1) * 1e9 / os.sysconf('SC_CLK_TCK') / n) if n and $u2 else 'n/a'))")
}

# vnetd case: KIND(afpacket|afxdp) [tap|veth] [,OPTS] -> NS1 (veth peer V1) and NS2
# (tap B, or the peer V2 of a second veth whose host end is a second KIND
# port); OPTS go on every KIND port
vnetd_up() {
	local k=${1:2:1} far=${2:-tap} o=${3:-} ports	# afpacket -> p, afxdp -> x: names under 16 bytes
	[[ $1 == afpacket ]] && o+=$AFP_OPTS
	NS1="${TAG}${k}x"
	NS2="${TAG}${k}y"
	H="${TAG}${k}h"
	V1="${TAG}${k}p"
	H2="${TAG}${k}g"
	V2="${TAG}${k}q"
	B="${TAG}${k}t"
	mkns "$NS1"
	mkns "$NS2"
	ip link add "$H" type veth peer name "$V1" netns "$NS1"
	ip link set "$H" up
	addr "$NS1" "$V1" 1
	ports=(--port "$1:name=$H$o")
	if [[ $far == veth ]]; then
		ip link add "$H2" type veth peer name "$V2" netns "$NS2"
		ip link set "$H2" up
		addr "$NS2" "$V2" 2
		ports+=(--port "$1:name=$H2$o")
	else
		ports+=(--port "tap:name=$B")
	fi
	if [[ $1 == afxdp ]]; then
		ip netns exec "$NS1" ethtool -K "$V1" tso off gso off tx off >/dev/null
		[[ $far == veth ]] && ip netns exec "$NS2" ethtool -K "$V2" tso off gso off tx off >/dev/null
	fi
	# shellcheck disable=SC2086 # WORKERS_OPT is empty or one option and its value
	"$VNETD" $WORKERS_OPT "${ports[@]}" >"$TMP/vnetd.log" 2>&1 &
	VNETD_PID=$!
	if [[ $far == tap ]]; then
		wait_for 10 ip link show "$B" || die "$1: no tap: $(cat "$TMP/vnetd.log")"
		ip link set "$B" netns "$NS2"
		addr "$NS2" "$B" 2
	fi
	wait_for 10 ip netns exec "$NS1" busybox ping -c 1 -W 1 "10.$NET.0.2" ||
		die "no ping through $1: $(cat "$TMP/vnetd.log")"
}

vnetd_down() {
	kill -TERM "$VNETD_PID"
	wait "$VNETD_PID" || true
	VNETD_PID=""
	ip link del "$H" 2>/dev/null || true
	ip link del "$H2" 2>/dev/null || true
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
echo "bench/host_ports.sh: $T s per figure, $(nproc) CPUs (shared: figures are noisy), load $(cut -d' ' -f1-3 /proc/loadavg), tcp congestion control $TCP_CC_NOTE, TCP medians of $ROUNDS round(s)${AFP_OPTS:+, afpacket ports with $AFP_OPTS}"

# TCP: ROUNDS alternated rounds of ring, mmsg and the bridge; medians
A_ALL=() M_ALL=() W_ALL=() B_ALL=() MR_ALL=() TR_ALL=() BR_ALL=()
for ((r = 0; r < ROUNDS; r++)); do
	vnetd_up afpacket tap ,rx=ring
	iperf "$NS1" "$NS2"; A_ALL+=("$GBPS")
	vnetd_down
	vnetd_up afpacket tap ,rx=mmsg
	iperf "$NS1" "$NS2"; M_ALL+=("$GBPS")
	iperf "$NS1" "$NS2" -R; MR_ALL+=("$GBPS")
	vnetd_down
	vnetd_up afpacket tap ,rx=mmsg,tx=ring
	iperf "$NS1" "$NS2" -R; TR_ALL+=("$GBPS")
	vnetd_down
	WORKERS_OPT="--workers 2"
	vnetd_up afpacket tap ,rx=mmsg
	iperf "$NS1" "$NS2"; W_ALL+=("$GBPS")
	vnetd_down
	WORKERS_OPT=""
	bridge_up
	iperf "$NS1" "$NS2"; B_ALL+=("$GBPS")
	iperf "$NS1" "$NS2" -R; BR_ALL+=("$GBPS")
	bridge_down
done
A_GBPS=$(median "${A_ALL[@]}") M_GBPS=$(median "${M_ALL[@]}") B_GBPS=$(median "${B_ALL[@]}")
W_GBPS=$(median "${W_ALL[@]}") MR_GBPS=$(median "${MR_ALL[@]}") TR_GBPS=$(median "${TR_ALL[@]}")
BR_GBPS=$(median "${BR_ALL[@]}")

vnetd_up afpacket veth ,rx=ring
pps "$NS1" "$V1" "$NS2" "$V2"; A_PPS=$PPS A_SENT=$SENT A_NSF=$NSF
vnetd_down

vnetd_up afpacket veth ,rx=mmsg
pps "$NS1" "$V1" "$NS2" "$V2"; M_PPS=$PPS M_SENT=$SENT M_NSF=$NSF
vnetd_down

vnetd_up afpacket veth ,rx=mmsg,tx=ring
pps "$NS1" "$V1" "$NS2" "$V2"; T_PPS=$PPS T_SENT=$SENT T_NSF=$NSF
vnetd_down

vnetd_up afxdp veth
pps "$NS1" "$V1" "$NS2" "$V2"; C_PPS=$PPS C_SENT=$SENT C_NSF=$NSF
vnetd_down

bridge_up
pps "$NS1" "$V1" "$NS2" "$V2"; B_PPS=$PPS B_SENT=$SENT
bridge_down

printf '%-44s %12s %12s %14s\n' "path" "figure" "sent" "vnetd CPU"
[[ $ROUNDS -gt 1 ]] && printf '# TCP rounds (Gbit/s): ring %s; mmsg %s; mmsg, 2 workers %s; bridge %s; tap -> veth: tx=mmsg %s; tx=ring %s; bridge %s\n' \
	"${A_ALL[*]}" "${M_ALL[*]}" "${W_ALL[*]}" "${B_ALL[*]}" "${MR_ALL[*]}" "${TR_ALL[*]}" "${BR_ALL[*]}"
printf '%-44s %9s Gbps\n' "(a) vnetd: afpacket veth + tap, rx=ring" "$A_GBPS"
printf '%-44s %9s Gbps\n' "(a) vnetd: afpacket veth + tap, rx=mmsg" "$M_GBPS"
printf '%-44s %9s Gbps\n' "(a) the same, rx=mmsg, --workers 2" "$W_GBPS"
printf '%-44s %9s Gbps\n' "(b) Linux bridge: veth + veth" "$B_GBPS"
printf '%-44s %9s Gbps\n' "(a) tap -> veth (afpacket sends), tx=mmsg" "$MR_GBPS"
printf '%-44s %9s Gbps\n' "(a) tap -> veth (afpacket sends), tx=ring" "$TR_GBPS"
printf '%-44s %9s Gbps\n' "(b) Linux bridge, the other way" "$BR_GBPS"
printf '%-44s %9s pps %8s pps %8s ns/frame\n' "(a) afpacket rx=ring, 64-byte frames" "$A_PPS" "$A_SENT" "$A_NSF"
printf '%-44s %9s pps %8s pps %8s ns/frame\n' "(a) afpacket rx=mmsg, 64-byte frames" "$M_PPS" "$M_SENT" "$M_NSF"
printf '%-44s %9s pps %8s pps %8s ns/frame\n' "(a) afpacket rx=mmsg,tx=ring, 64-byte" "$T_PPS" "$T_SENT" "$T_NSF"
printf '%-44s %9s pps %8s pps %8s ns/frame\n' "(c) afxdp, 64-byte frames" "$C_PPS" "$C_SENT" "$C_NSF"
printf '%-44s %9s pps %8s pps\n' "(b) Linux bridge, 64-byte frames" "$B_PPS" "$B_SENT"
python3 - "$A_GBPS" "$M_GBPS" "$B_GBPS" "$A_PPS" "$M_PPS" "$C_PPS" "$B_PPS" \
	"$A_NSF" "$M_NSF" "$C_NSF" "$W_GBPS" "$MR_GBPS" "$TR_GBPS" "$BR_GBPS" "$T_PPS" <<'PY'
import sys
a, m, b, apps, mpps, cpps, bpps = map(float, sys.argv[1:8])
w, mr, tr, br, tpps = map(float, sys.argv[11:16])
r = lambda x, y: x / y if y else 0
print("%-44s %9.2f   (target >= 0.8)" % ("ratio a/b (TCP, rx=ring)", r(a, b)))
print("%-44s %9.2f   (target >= 0.8)" % ("ratio a/b (TCP, rx=mmsg)", r(m, b)))
print("%-44s %9.2f   (target >= 0.8)" % ("ratio a/b (TCP, rx=mmsg, 2 workers)", r(w, b)))
print("%-44s %9.2f" % ("ratio 2 workers / 1 (TCP, rx=mmsg)", r(w, m)))
print("%-44s %9.2f   (target >= 0.8)" % ("ratio a/b (TCP tap -> veth, tx=mmsg)", r(mr, br)))
print("%-44s %9.2f   (target >= 0.8)" % ("ratio a/b (TCP tap -> veth, tx=ring)", r(tr, br)))
print("%-44s %9.2f" % ("ratio tx=ring / tx=mmsg (TCP tap -> veth)", r(tr, mr)))
print("%-44s %9.2f" % ("ratio tx=ring / tx=mmsg (64-byte pps)", r(tpps, mpps)))
print("%-44s %9.2f   (target >= 2)" % ("ratio c/a (64-byte pps, rx=ring)", r(cpps, apps)))
print("%-44s %9.2f   (target >= 2)" % ("ratio c/a (64-byte pps, rx=mmsg)", r(cpps, mpps)))
print("%-44s %9.2f" % ("ratio c/b (64-byte pps)", r(cpps, bpps)))
nsf = sys.argv[8:11]
for name, x in (("rx=ring", nsf[0]), ("rx=mmsg", nsf[1])):
    if "n/a" not in (x, nsf[2]):
        print("%-44s %9.2f   (CPU per frame, afpacket over afxdp)" %
              ("ratio a/c (vnetd ns per frame, %s)" % name, r(float(x), float(nsf[2]))))
PY
