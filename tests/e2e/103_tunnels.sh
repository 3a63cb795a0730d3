#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 103_tunnels.sh - vxlan and geneve ports against the Linux kernel's own tunnels
#
# Real peers: an underlay veth between vnetd's namespace and a namespace
# this test creates, where the kernel's vxlan (and then geneve) device
# holds the other end of the tunnel; a tap in a third namespace on vnetd's
# side; the kernels' TCP stacks, nc and sha256sum. Checks: ping both ways
# and 32 MiB of TCP each way with SHA-256 equal, over VXLAN (IPv4 and
# IPv6 underlays, and one in another namespace, netns=) and Geneve, static
# entries pinning a MAC to a remote (vnetctl fdb add ... dst), the
# tap's TSO frames leaving in UDP GSO sends of several datagrams, the
# far end's datagrams arriving in UDP GRO trains (gro=on) or one by one
# (gro=off), their segments merged into TSO frames towards the tap; a kernel tunnel of another VNI reaches
# nothing (drop_tunnel_vni) and one from an address that is not a remote
# neither (drop_tunnel_remote); hostile datagrams (too short, VXLAN
# without its I flag, Geneve with a critical option or options past the
# end) are counted drops; vnetd keeps answering.
#
# The kernel tunnels run with transmit checksum offload off: over a veth
# the kernel hands a partial inner checksum to the receiving socket, which
# a userspace endpoint cannot complete (a physical underlay completes it).
#
# usage: 103_tunnels.sh BUILD_DIR [BYTES]
BUILD=$1
BYTES=${2:-32M}
source "$(dirname "$0")/lib_switch.sh"

u=${VS_TAG}u
nk=${VS_TAG}k	# the kernel's tunnel end
nb=${VS_TAG}b	# the tap
t=${VS_TAG}t
ctl() { "$VNETCTL" -s "$VS_SOCK" "$@"; }

ip netns add "$nk"
VS_NS+=("$nk")
ip link add "$u" type veth peer name "${VS_TAG}v" netns "$nk"
ip addr add 10.250.7.1/24 dev "$u"
ip addr add fd50::1/64 dev "$u" nodad
ip link set "$u" up
ip -n "$nk" addr add 10.250.7.2/24 dev "${VS_TAG}v"
ip -n "$nk" addr add 10.250.7.3/24 dev "${VS_TAG}v"
ip -n "$nk" addr add fd50::2/64 dev "${VS_TAG}v" nodad
ip -n "$nk" link set "${VS_TAG}v" up
ip -n "$nk" link set lo up
# GRO on vnetd's end of the underlay, as a physical NIC has it, so the
# kernel's UDP GRO can hand the port trains of datagrams (gro=on); a veth
# offers a sender's datagrams to GRO only if the sending end has no TSO
ethtool -K "$u" gro on >/dev/null
ip netns exec "$nk" ethtool -K "${VS_TAG}v" tso off >/dev/null

# kdev NAME ARGS...: a kernel tunnel device in nk with 10.77.0.1 on it
kdev() {
	local name=$1
	shift
	ip -n "$nk" link add "$name" "$@"
	ip -n "$nk" link set "$name" address 02:77:00:00:00:01
	ip -n "$nk" addr add 10.77.0.1/24 dev "$name"
	ip -n "$nk" link set "$name" up
	ip netns exec "$nk" ethtool -K "$name" tx off >/dev/null
}

# run_case LABEL SPEC: vnetd with SPEC and a tap of the tunnel's MTU; ping, TCP both ways
run_case() {
	echo "=== $1"
	vs_vnetd --port "$2" --port "tap:name=$t"
	mtu=$(ctl --json port list | python3 -c "import json,sys; print([p['mtu'] for p in json.load(sys.stdin) if p['name'] == 'tun0'][0])")
	echo "tunnel port MTU $mtu"
	vs_ns "$nb" "$t" 2
	ip -n "$nb" link set "$t" mtu "$mtu"
	vs_wait_for 10 ip netns exec "$nb" busybox ping -c 1 -W 1 10.77.0.1 >/dev/null || vs_fail "$1: ping b -> k"
	ip netns exec "$nk" busybox ping -c 2 -W 2 10.77.0.2 >/dev/null || vs_fail "$1: ping k -> b"
	vs_tcp_sha "$nb" "$nk" 10.77.0.1 "$BYTES"
	vs_tcp_sha "$nk" "$nb" 10.77.0.2 "$BYTES"
	# the tap sends TSO frames: they reach the port whole and leave with
	# UDP GSO (gso=on, the default), several datagrams per send
	local g c d
	g=$(vs_stat tun0 gso_sw_frames)
	c=$(vs_stat tun0 tx_calls)
	d=$(vs_stat tun0 tx_packets)
	echo "tun0: $g TSO frames cut, $d datagrams in $c sends"
	[[ $g -gt 0 && $c -lt $d ]] || vs_fail "$1: TSO frames did not leave with UDP GSO"
	# the other way, the tunnel's segments reach the tap merged by GRO
	g=$(vs_stat "$t" gro_merged)
	echo "$t: $g segments from the tunnel merged by GRO"
	[[ $g -gt 0 ]] || vs_fail "$1: no GRO towards the tap"
	# and with gro=on (the default) they arrived in UDP GRO trains
	g=$(vs_stat tun0 rx_gro_dgrams)
	d=$(vs_stat tun0 rx_packets)
	c=$(vs_stat tun0 rx_calls)
	echo "tun0: $d datagrams received in $c calls, $g of them in UDP GRO trains"
	if [[ ${3:-on} == on ]]; then
		[[ $g -gt 0 ]] || vs_fail "$1: no datagram came in a UDP GRO train"
	else
		[[ $g -eq 0 ]] || vs_fail "$1: gro=off, yet $g datagrams came in UDP GRO trains"
	fi
}

end_case() {
	vs_stop_vnetd
	ip netns del "$nb"
}

kdev vx42 type vxlan id 42 local 10.250.7.2 remote 10.250.7.1 dstport 4789
run_case "vxlan, IPv4 underlay" "vxlan:name=tun0,local=10.250.7.1,remote=10.250.7.2,vni=42"

echo "--- static entries: fdb add MAC tun0 dst ADDR pins a MAC to a remote"
ctl fdb add 02:77:00:00:00:01 tun0 dst 10.250.7.2 >/dev/null || vs_fail "fdb add ... dst refused"
ctl fdb show tun0 | grep -E "02:77:00:00:00:01 .*static dst=10.250.7.2" >/dev/null ||
	vs_fail "fdb show has no pinned dst: $(ctl fdb show tun0)"
ip netns exec "$nb" busybox ping -c 2 -W 2 10.77.0.1 >/dev/null || vs_fail "no ping over the pinned remote"
for bad in "02:77:00:00:00:06 tun0 dst 10.250.7.9" "02:77:00:00:00:06 $t dst 10.250.7.2" \
	"02:77:00:00:00:06 tun0 dst nowhere"; do
	# shellcheck disable=SC2086
	out=$(ctl fdb add $bad 2>&1) && vs_fail "accepted: fdb add $bad"
	echo "refused: fdb add $bad: $out"
done
ctl fdb del 02:77:00:00:00:01 >/dev/null || vs_fail "fdb del of the pinned MAC"
ctl --json fdb show tun0 | grep -q '"dst"' && vs_fail "the pin outlived fdb del"

echo "--- another VNI, and a sender that is no remote, reach nothing"
ip -n "$nk" link del vx42
kdev vx43 type vxlan id 43 local 10.250.7.2 remote 10.250.7.1 dstport 4789
ip netns exec "$nk" busybox ping -c 3 -W 1 10.77.0.2 >/dev/null 2>&1 && vs_fail "VNI 43 reached VNI 42's tap"
v=$(vs_stat tun0 drop_tunnel_vni)
[[ "$v" -gt 0 ]] || vs_fail "no drop_tunnel_vni"
ip -n "$nk" link del vx43
kdev vx42b type vxlan id 42 local 10.250.7.3 remote 10.250.7.1 dstport 4789
ip netns exec "$nk" busybox ping -c 3 -W 1 10.77.0.2 >/dev/null 2>&1 && vs_fail "a non-remote reached the tap"
v=$(vs_stat tun0 drop_tunnel_remote)
[[ "$v" -gt 0 ]] || vs_fail "no drop_tunnel_remote"
ip -n "$nk" link del vx42b

echo "--- hostile datagrams from the remote's address"
ip netns exec "$nk" python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.250.7.2", 0))
inner = bytes(6) + bytes([2, 0x77, 0, 0, 0, 9]) + b"\x08\x00" + bytes(46)
for d in [b"\x08", b"\x00" * 8 + inner, b"\x08\x00\x00\x00\x00\x00\x2a\x00" + b"\x01" * 5]:
    s.sendto(d, ("10.250.7.1", 4789))
PY
sleep 1
[[ "$(vs_stat tun0 drop_tunnel_hdr)" -ge 2 ]] || vs_fail "bad VXLAN headers not counted: $(vs_stat tun0 drop_tunnel_hdr)"
[[ "$(vs_stat tun0 drop_runt)" -ge 1 ]] || vs_fail "a VXLAN datagram without a frame not counted"
ctl version >/dev/null || vs_fail "vnetd stopped answering"
end_case

if ip -n "$nk" link add gn42 type geneve id 42 remote 10.250.7.1 2>/dev/null; then
	ip -n "$nk" link del gn42
	kdev gn42 type geneve id 42 remote 10.250.7.1
	peer="the kernel's geneve device"
else
	# this kernel has no Geneve (CONFIG_GENEVE unset): a second vnetd ends the
	# tunnel, and tshark's Geneve dissector checks what goes over the wire
	peer="a second vnetd (this kernel has no geneve)"
	ip netns exec "$nk" "$VNETD" --socket "$VS_TMP/k.sock" \
		--port "geneve:name=tun9,local=10.250.7.2,remote=10.250.7.1,vni=42" \
		--port "tap:name=${VS_TAG}kt" >"$VS_TMP/k.out" 2>"$VS_TMP/k.log" &
	VS_PIDS+=($!)
	k_pid=$!
	vs_wait_for 10 grep -q '^vnetd: ready$' "$VS_TMP/k.out" || vs_fail "second vnetd: $(cat "$VS_TMP/k.log")"
	ip -n "$nk" link set "${VS_TAG}kt" address 02:77:00:00:00:01 mtu 1450
	ip -n "$nk" addr add 10.77.0.1/24 dev "${VS_TAG}kt"
	ip -n "$nk" link set "${VS_TAG}kt" up
fi
echo "geneve peer: $peer"
run_case "geneve, IPv4 underlay" "geneve:name=tun0,local=10.250.7.1,remote=10.250.7.2,vni=42"
timeout 20 tshark -i "$u" -c 4 -f "udp port 6081" -T fields -e geneve.vni -e geneve.proto_type \
	>"$VS_TMP/gn.txt" 2>/dev/null &
ts=$!
sleep 2
ip netns exec "$nb" busybox ping -c 4 -i 0.3 -W 1 10.77.0.1 >/dev/null || true
wait "$ts" || vs_fail "tshark saw no Geneve datagrams"
echo "tshark, Geneve VNI and protocol of 4 datagrams: $(tr '\n\t' ' /' < "$VS_TMP/gn.txt")"
grep -qv -E "^(42|0x0*2a)\s+0x6558" "$VS_TMP/gn.txt" && vs_fail "tshark decodes other Geneve headers: $(cat "$VS_TMP/gn.txt")"
ip netns exec "$nk" python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.250.7.2", 0))
inner = bytes(6) + bytes([2, 0x77, 0, 0, 0, 9]) + b"\x08\x00" + bytes(46)
crit = b"\x02\x40\x65\x58\x00\x00\x2a\x00" + b"\x01\x02\x80\x01" + bytes(4) + inner
past = b"\x3f\x00\x65\x58\x00\x00\x2a\x00" + inner
s.sendto(crit, ("10.250.7.1", 6081))
s.sendto(past, ("10.250.7.1", 6081))
PY
sleep 1
[[ "$(vs_stat tun0 drop_tunnel_critical)" -ge 1 ]] || vs_fail "a critical Geneve option not counted"
[[ "$(vs_stat tun0 drop_tunnel_hdr)" -ge 1 ]] || vs_fail "Geneve options past the end not counted"
ip -n "$nk" link del gn42 2>/dev/null || true
if [[ -n "${k_pid:-}" ]]; then
	kill -TERM "$k_pid"
	wait "$k_pid" || vs_fail "second vnetd exit status $?"
fi
end_case

kdev vx6 type vxlan id 7 local fd50::2 remote fd50::1 dstport 4789
run_case "vxlan, IPv6 underlay" "vxlan:name=tun0,local=fd50::1,remote=fd50::2,vni=7"
end_case
ip -n "$nk" link del vx6

# netns=: the underlay is another namespace's (nu), whose address vnetd's
# own namespace does not have; vnetd and its tap stay where they are
nu=${VS_TAG}n
ip netns add "$nu"
VS_NS+=("$nu")
ip -n "$nu" link add "${VS_TAG}m" type veth peer name "${VS_TAG}q" netns "$nk"
ip -n "$nu" addr add 10.250.8.1/24 dev "${VS_TAG}m"
ip -n "$nu" link set "${VS_TAG}m" up
ip netns exec "$nu" ethtool -K "${VS_TAG}m" gro on >/dev/null
ip -n "$nk" addr add 10.250.8.2/24 dev "${VS_TAG}q"
ip -n "$nk" link set "${VS_TAG}q" up
ip netns exec "$nk" ethtool -K "${VS_TAG}q" tso off >/dev/null
kdev vx44 type vxlan id 44 local 10.250.8.2 remote 10.250.8.1 dstport 4789
# with gro=off too: the same underlay, every datagram its own message
run_case "vxlan, underlay in netns=$nu, gro=off" \
	"vxlan:name=tun0,local=10.250.8.1,remote=10.250.8.2,vni=44,netns=$nu,gro=off" off
ip netns exec "$nu" ss -uln | grep -q '10.250.8.1:4789' || vs_fail "no socket on 4789 in $nu"
ss -uln | grep -q '10.250.8.1:4789' && vs_fail "the underlay socket is in vnetd's namespace"
ctl port list | grep -q "netns=$nu" || vs_fail "port list does not show netns=$nu"
end_case
ip -n "$nk" link del vx44

echo "--- bad specs are refused with a reason"
vs_vnetd --port "tap:name=$t"
for spec in "vxlan:name=tun1,local=10.250.7.1" "vxlan:name=tun1,local=10.250.7.1,remote=fd50::2" \
	"vxlan:name=tun1,local=fd50::1,remote=fd50::2,csum=off" "geneve:name=tun1,local=x,remote=10.250.7.2" \
	"vxlan:name=tun1,local=10.250.7.1,remote=10.250.7.2,vni=16777216" \
	"vxlan:name=tun1,local=10.250.7.1,remote=10.250.7.2,netns=../x" \
	"vxlan:name=tun1,local=10.250.7.1,remote=10.250.7.2,netns=${VS_TAG}none" \
	"vxlan:name=tun1,local=10.250.7.1,remote=10.250.7.2,csum=off,gso=on" \
	"vxlan:name=tun1,local=10.250.7.1,remote=10.250.7.2,gro=maybe"; do
	out=$(ctl port add "$spec" 2>&1) && vs_fail "accepted: $spec"
	echo "refused: $spec: $out"
done
vs_stop_vnetd
echo PASS
