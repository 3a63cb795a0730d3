#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 102_afxdp.sh - afxdp ports: a host veth's queue through AF_XDP, switched with a tap
#
# Real peers: a veth pair whose host end vnetd attaches (afxdp, native XDP
# on the veth driver), its peer in a namespace with TSO, GSO and transmit
# checksum offload off (XDP sees neither GSO frames nor checksum state),
# a tap in a second namespace; the kernels' stacks, nc and sha256sum,
# trafgen for 64-byte frames. Checks: ping both ways; 64 MiB of TCP each
# way with SHA-256 equal; 5000 64-byte frames from the veth's side all
# reach the tap; the kernel-side program is on the interface while the
# port exists and gone after `port del`, and gone after vnetd is killed
# with SIGKILL (a BPF link dies with its fd); mode=generic works; an
# interface that already has an XDP program is refused with a reason.
#
# usage: 102_afxdp.sh BUILD_DIR [BYTES]
BUILD=$1
BYTES=${2:-64M}
source "$(dirname "$0")/lib_switch.sh"

h=${VS_TAG}h
t=${VS_TAG}t
na=${VS_TAG}a
nb=${VS_TAG}b
ctl() { "$VNETCTL" -s "$VS_SOCK" "$@"; }
has_xdp() { ip -d link show "$h" | grep -q "prog/xdp"; }
tap_rx() { ip netns exec "$nb" cat "/sys/class/net/$t/statistics/rx_packets"; }

ip netns add "$na"
VS_NS+=("$na")
ip link add "$h" type veth peer name "${VS_TAG}p" netns "$na"
ip link set "$h" up
ip -n "$na" link set lo up
ip -n "$na" link set "${VS_TAG}p" address 02:77:00:00:00:01
ip -n "$na" addr add 10.77.0.1/24 dev "${VS_TAG}p"
ip -n "$na" link set "${VS_TAG}p" up
ip netns exec "$na" ethtool -K "${VS_TAG}p" tso off gso off tx off >/dev/null

echo "=== afxdp native: ping, TCP both ways, 64-byte frames"
vs_vnetd --port "afxdp:name=$h" --port "tap:name=$t"
vs_ns "$nb" "$t" 2
has_xdp || vs_fail "no XDP program on $h while the port exists"
ip netns exec "$na" busybox ping -c 2 -W 2 10.77.0.2 >/dev/null || vs_fail "ping a -> b"
ip netns exec "$nb" busybox ping -c 2 -W 2 10.77.0.1 >/dev/null || vs_fail "ping b -> a"
vs_tcp_sha "$na" "$nb" 10.77.0.2 "$BYTES"
vs_tcp_sha "$nb" "$na" 10.77.0.1 "$BYTES"
cat > "$VS_TMP/tg.cfg" <<CFG
{
  eth(da=02:77:00:00:00:02, sa=02:77:00:00:00:01, type=0x0800),
  ipv4(saddr=10.77.0.1, daddr=10.77.0.2, proto=17, ttl=64),
  udp(sp=9, dp=9),
  fill(0x00, 18),
}
CFG
r0=$(tap_rx)
ip netns exec "$na" timeout 30 trafgen --dev "${VS_TAG}p" --conf "$VS_TMP/tg.cfg" -n 5000 \
	--gap 20us --cpus 1 -q >/dev/null 2>&1 || vs_fail "trafgen"
vs_wait_for 10 bash -c "[ \$(( \$(ip netns exec $nb cat /sys/class/net/$t/statistics/rx_packets) - $r0 )) -ge 5000 ]" ||
	vs_fail "64-byte frames: the tap got $(( $(tap_rx) - r0 )) of 5000 ($(ctl stats "$h"))"
ctl stats "$h"
ctl port del "$h"
has_xdp && vs_fail "the XDP program stayed after port del"
ctl port add "afxdp:name=$h" >/dev/null
has_xdp || vs_fail "no XDP program after hot add"
vs_wait_for 10 ip netns exec "$nb" busybox ping -c 1 -W 1 10.77.0.1 >/dev/null || vs_fail "no ping after hot add"

echo "=== vnetd killed: the program goes with its link"
kill -KILL "$VNETD_PID"
wait "$VNETD_PID" 2>/dev/null || true
VNETD_PID=""
vs_wait_for 5 bash -c "! ip -d link show $h | grep -q prog/xdp" || vs_fail "the XDP program outlived vnetd"
ip netns del "$nb"

echo "=== mode=generic; an interface with an XDP program of its own is refused"
vs_vnetd --port "afxdp:name=$h,mode=generic" --port "tap:name=$t"
vs_ns "$nb" "$t" 2
ip -d link show "$h" | grep -q "xdpgeneric" || vs_fail "not attached in generic mode"
ip netns exec "$na" busybox ping -c 2 -W 2 10.77.0.2 >/dev/null || vs_fail "generic: ping a -> b"
ctl port del "$h"
ip link set dev "$h" xdp obj "$BUILD/tests/bpf/progs/xdp1.bpf.o" sec xdp 2>/dev/null ||
	ip link set dev "$h" xdp obj "$BUILD/tests/bpf/progs/xdp1.bpf.o" || vs_fail "ip link set xdp"
out=$(ctl port add "afxdp:name=$h" 2>&1) && vs_fail "an interface with an XDP program was taken"
grep -q "already has an XDP program" <<<"$out" || vs_fail "refusal does not say why: $out"
ip link set dev "$h" xdp off
ctl version >/dev/null || vs_fail "vnetd stopped answering"
vs_stop_vnetd
echo PASS
