#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 101_afpacket.sh - afpacket ports: a host veth switched with a tap, offloads kept
#
# Real peers: a veth pair whose host end vnetd attaches (afpacket) and whose
# peer sits in a namespace, and a tap in a second namespace; the kernels'
# TCP stacks, nc and sha256sum, tcpdump. Checks, for each receive and
# transmit mode (rx=ring, rx=mmsg, and rx=mmsg with tx=ring) with
# offload=on and then offload=off on the afpacket port: ping IPv4 and IPv6 both ways; frames tagged VLAN 10 from the veth's
# peer reach the tap with their tag (the kernel takes the tag out of the
# frame into its metadata; the port must put it back); 1 GiB
# of TCP each way with SHA-256 equal at both ends; with offload=on, frames
# larger than 1514 bytes from the veth reach the tap whole (tcpdump on
# the tap) and no software segmentation happened towards the tap; with
# offload=off, vnetd segmented towards the veth. With two workers (the
# port on one, the tap on the other), 256 MiB each way with each worker
# sending to the other's port itself (direct_tx in worker list). Then: the veth going down
# turns the port down and back up restores traffic; hot delete and add of
# the port under vnetctl (re-added with qdisc-bypass=on: ping and 64 MiB
# of TCP); for each receive mode, a flood into the ring (or
# the socket's queue) of a stopped vnetd counted as drop_kernel_ring; the
# interface deleted under a tx=ring port leaves the port down, the frames
# sent to it counted as drop_port_down, vnetd idle (no spinning on the dead
# socket) and answering. A tx=ring port sends VLAN frames of 65553 bytes
# (MTU 65535), which a ring slot cannot carry, by sendmsg(): such frames
# replayed by a pcap port arrive whole at the veth's peer, counted in
# tx_ring_bypass.
#
# usage: 101_afpacket.sh BUILD_DIR [BYTES]
BUILD=$1
BYTES=${2:-1G}
source "$(dirname "$0")/lib_switch.sh"

h=${VS_TAG}h	# host end of the veth: the afpacket port
t=${VS_TAG}t	# the tap
na=${VS_TAG}a	# namespace of the veth's peer (10.77.0.1)
nb=${VS_TAG}b	# namespace of the tap (10.77.0.2)
ctl() { "$VNETCTL" -s "$VS_SOCK" "$@"; }
# field NAME KEY...: a value of port NAME in vnetctl --json port list (KEYs nest)
field() { ctl --json port list | python3 -c "import json,sys; p = [p for p in json.load(sys.stdin) if p['name'] == sys.argv[1]][0]
for k in sys.argv[2:]: p = p[k]
print(p)" "$@"; }
state() { field "$1" state; }
ticks() { awk '{ print $14 + $15 }' "/proc/$VNETD_PID/stat"; }

setup_veth() {
	ip netns add "$na"
	VS_NS+=("$na")
	ip link add "$h" type veth peer name "${VS_TAG}p" netns "$na"
	ip link set "$h" up
	ip -n "$na" link set lo up
	ip -n "$na" link set "${VS_TAG}p" address 02:77:00:00:00:01
	ip -n "$na" addr add 10.77.0.1/24 dev "${VS_TAG}p"
	ip -n "$na" addr add fd77::1/64 dev "${VS_TAG}p" nodad
	ip -n "$na" link set "${VS_TAG}p" up
}

# tagged: 5 frames tagged VLAN 10 (TCI 0x200a: priority 1) from the veth's
# peer must reach the tap tagged, their payload intact (tcpdump on the tap)
tagged() {
	ip netns exec "$nb" timeout 20 tcpdump -i "$t" -nn -c 5 -w "$VS_TMP/vlan.pcap" \
		'vlan 10 and ether proto 0x88b5' 2>/dev/null &
	local td=$! n
	VS_PIDS+=("$td")
	vs_wait_for 10 test -e "$VS_TMP/vlan.pcap" || vs_fail "tcpdump did not start"
	sleep 0.5
	ip netns exec "$na" python3 - "${VS_TAG}p" <<'PY' || vs_fail "$1: sending tagged frames"
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
f = (b"\xff" * 6 + bytes.fromhex("027700000001") + bytes.fromhex("8100200a") + b"\x88\xb5" +
     b"vnetd-vlan-test" + bytes(31))
for _ in range(5):
    s.send(f)
PY
	wait "$td" 2>/dev/null || true
	n=$(tcpdump -r "$VS_TMP/vlan.pcap" -nn -e -X 2>/dev/null | grep -c "vlan 10, p 1, ethertype .*0x88b5" || true)
	[[ "$n" == 5 ]] || vs_fail "$1: $n of 5 frames tagged VLAN 10 reached the tap tagged"
	n=$(tcpdump -r "$VS_TMP/vlan.pcap" -nn -X 2>/dev/null | grep -c "vnetd-vlan-test" || true)
	[[ "$n" == 5 ]] || vs_fail "$1: the payload of $((5 - n)) tagged frames did not survive"
	rm -f "$VS_TMP/vlan.pcap"
}

pings() {
	ip netns exec "$na" busybox ping -c 2 -W 2 10.77.0.2 >/dev/null || vs_fail "$1: ping a -> b"
	ip netns exec "$nb" busybox ping -c 2 -W 2 10.77.0.1 >/dev/null || vs_fail "$1: ping b -> a"
	ip netns exec "$na" busybox ping -c 2 -W 2 fd77::2 >/dev/null || vs_fail "$1: ping6 a -> b"
	ip netns exec "$nb" busybox ping -c 2 -W 2 fd77::1 >/dev/null || vs_fail "$1: ping6 b -> a"
	tagged "$1"
}

# big_frames_at_tap: tcpdump on the tap while a second transfer runs; sets BIG
big_frames_at_tap() {
	ip netns exec "$nb" timeout 60 tcpdump -i "$t" -nn -s 96 -c 400 -w "$VS_TMP/rx.pcap" tcp \
		2>/dev/null &
	local td=$!
	VS_PIDS+=("$td")
	vs_wait_for 10 test -e "$VS_TMP/rx.pcap" || vs_fail "tcpdump did not start"
	sleep 0.5
	vs_tcp_sha "$na" "$nb" 10.77.0.2 64M
	wait "$td" 2>/dev/null || true
	BIG=$(tcpdump -r "$VS_TMP/rx.pcap" -nn 2>/dev/null |
		awk '{for (i = 1; i < NF; i++) if ($i == "length") { n += ($(i+1) + 0 > 1448); break }} END { print n + 0 }')
}

setup_veth
for rx in rx=ring rx=mmsg rx=mmsg,tx=ring; do
for off in on off; do
	echo "=== afpacket $rx offload=$off"
	vs_vnetd --port "afpacket:name=$h,$rx,offload=$off" --port "tap:name=$t"
	vs_ns "$nb" "$t" 2
	pings "$rx offload=$off"
	want=$([[ $rx == *tx=ring* ]] && echo ring || echo mmsg)
	got=$(field "$h" details tx)
	[[ "$got" == "$want" ]] || vs_fail "$rx: the port says tx=$got"
	echo "--- 1 GiB veth -> tap, then tap -> veth"
	vs_tcp_sha "$na" "$nb" 10.77.0.2 "$BYTES"
	vs_tcp_sha "$nb" "$na" 10.77.0.1 "$BYTES"
	[[ "$(vs_stat "$h" rx_packets)" -gt 0 ]] || vs_fail "no frames read from $h"
	for c in drop_vhdr_truncated drop_oversize drop_tx_error drop_no_buffer; do
		v=$(vs_stat "$h" "$c")
		[[ "$v" == 0 ]] || vs_fail "$h: $c = $v"
	done
	if [[ $off == on ]]; then
		big_frames_at_tap
		echo "TCP payloads > 1448 bytes seen on the tap: $BIG"
		[[ "$BIG" -gt 0 ]] || vs_fail "no GSO frames from the veth reached the tap whole"
		v=$(vs_stat "$t" gso_sw_frames)
		[[ "$v" == 0 ]] || vs_fail "software segmentation towards a TSO tap: $v"
	else
		v=$(vs_stat "$h" gso_sw_segs)
		echo "$h: gso_sw_segs $v"
		[[ "$v" -gt 0 ]] || vs_fail "offload=off: no software segmentation towards the veth"
	fi
	vs_stop_vnetd
	ip netns del "$nb"
done
done

echo "=== two workers: each sends to the other's port itself (direct transmit)"
vs_vnetd --workers 2 --port "afpacket:name=$h" --port "tap:name=$t"
vs_ns "$nb" "$t" 2
pings "two workers"
vs_tcp_sha "$na" "$nb" 10.77.0.2 256M
vs_tcp_sha "$nb" "$na" 10.77.0.1 256M
vs_direct_tx_both
for c in drop_tx_full drop_tx_error drop_no_buffer; do
	for p in "$h" "$t"; do
		v=$(vs_stat "$p" "$c")
		[[ "$v" == 0 ]] || vs_fail "two workers: $p: $c = $v"
	done
done
vs_stop_vnetd
ip netns del "$nb"

echo "=== tx=ring: VLAN frames of 65553 bytes, past a slot's 17 page fragments, leave by sendmsg()"
# A frame tagged VLAN 10 with 65535 bytes after its Ethernet header is one
# unsegmented 65553-byte frame, which the ring cannot take. A tap's MTU stops
# short of it (65521), so a pcap port replays three of them, flooded to the
# afpacket port; the veth has MTU 65535 on both ends.
ip link set "$h" mtu 65535
ip -n "$na" link set "${VS_TAG}p" mtu 65535
python3 - "$VS_TMP/long" <<'PY'
import os, struct, sys
body = os.urandom(65535)  # after dst, src, the tag and the ethertype
open(sys.argv[1], "wb").write(body)
f = (bytes.fromhex("027700000001") + bytes.fromhex("027700000077") + bytes.fromhex("8100000a") +
     b"\x88\xb5" + body)
assert len(f) == 65553
with open(sys.argv[1] + ".pcap", "wb") as o:
    o.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    for i in range(3):
        o.write(struct.pack("<IIII", 1, i, len(f), len(f)) + f)
PY
ip netns exec "$na" timeout 20 python3 - "${VS_TAG}p" "$VS_TMP/long" <<'PY' &
import socket, sys
# every protocol: a tagged frame with no vlan device reaches only those taps
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
open(sys.argv[2] + ".ready", "w").close()
want = open(sys.argv[2], "rb").read()
while True:
    d = s.recv(70000)  # the kernel takes the tag out: dst, src, 0x88b5, payload
    if len(d) == 14 + len(want) and d[12:14] == b"\x88\xb5" and d[14:] == want:
        print("a frame of", len(d) + 4, "bytes arrived intact", flush=True)
        break
    if len(d) > 1514:
        print("a frame of", len(d), "bytes, not the one sent", flush=True)
PY
rx=$!
VS_PIDS+=("$rx")
vs_wait_for 10 test -e "$VS_TMP/long.ready" || vs_fail "receiver did not start"
vs_vnetd --port "afpacket:name=$h,tx=ring" --port "pcap:name=long,read=$VS_TMP/long.pcap"
wait "$rx" || vs_fail "tx=ring: no 65553-byte VLAN frame arrived intact at the veth's peer"
v=$(vs_stat "$h" tx_ring_bypass)
echo "$h: tx_ring_bypass $v"
[[ "$v" -gt 0 ]] || vs_fail "tx=ring: the long frames did not go by sendmsg()"
for c in drop_oversize drop_tx_error; do
	v=$(vs_stat "$h" "$c")
	[[ "$v" == 0 ]] || vs_fail "long VLAN frames: $h: $c = $v"
done
vs_stop_vnetd
ip link set "$h" mtu 1500
ip -n "$na" link set "${VS_TAG}p" mtu 1500

echo "=== link down/up, hot delete/add, interface deleted"
vs_vnetd --port "afpacket:name=$h"
ctl port add "tap:name=$t" >/dev/null
vs_ns "$nb" "$t" 2
pings "hot added tap"
ip link set "$h" down
vs_wait_for 10 [ "$(state "$h")" = down ] || vs_fail "port not down with its interface"
ip netns exec "$nb" busybox ping -c 1 -W 1 10.77.0.1 >/dev/null 2>&1 && vs_fail "ping through a down interface"
ip link set "$h" up
vs_wait_for 10 [ "$(state "$h")" = up ] || vs_fail "port not up again"
vs_wait_for 10 ip netns exec "$nb" busybox ping -c 1 -W 1 10.77.0.1 >/dev/null || vs_fail "no ping after link up"
ctl port del "$h"
ip netns exec "$nb" busybox ping -c 1 -W 1 10.77.0.1 >/dev/null 2>&1 && vs_fail "ping through a deleted port"
ctl port add "afpacket:name=$h,qdisc-bypass=on" >/dev/null
vs_wait_for 10 ip netns exec "$nb" busybox ping -c 1 -W 1 10.77.0.1 >/dev/null ||
	vs_fail "no ping after hot add (qdisc-bypass=on)"
vs_tcp_sha "$nb" "$na" 10.77.0.1 64M
# flood RX: vnetd stopped, the kernel drops what the ring (or the socket's
# queue) cannot hold, and vnetd counts it once it runs again
flood() {
	echo "--- rx=$1, vnetd stopped: the kernel drops into the full ring, and vnetd counts it"
	ctl port add "afpacket:name=$h,rx=$1" >/dev/null || vs_fail "adding rx=$1"
	kill -STOP "$VNETD_PID"
	ip netns exec "$na" python3 - "${VS_TAG}p" <<'PY' || { kill -CONT "$VNETD_PID"; vs_fail "flood"; }
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
f = b"\xff" * 6 + bytes.fromhex("027700000001") + b"\x88\xb5" + bytes(46)
for _ in range(300000):  # the ring holds about 130000 such frames, the queue fewer
    s.send(f)
PY
	kill -CONT "$VNETD_PID"
	vs_wait_for 10 [ "$(vs_stat "$h" drop_kernel_ring)" -gt 0 ] || vs_fail "rx=$1: losses not counted"
	echo "$h: drop_kernel_ring $(vs_stat "$h" drop_kernel_ring), rx_packets $(vs_stat "$h" rx_packets)"
	ctl port del "$h"
}
ctl port del "$h"
flood ring
flood mmsg
# tx=ring: a send on the unbound socket fails (ENXIO) and its frames are counted
ctl port add "afpacket:name=$h,tx=ring" >/dev/null
ip link del "$h"
vs_wait_for 10 [ "$(state "$h")" = down ] || vs_fail "port not down after its interface was deleted"
ip netns exec "$nb" busybox ping -c 2 -W 1 10.77.0.1 >/dev/null 2>&1 || true	# frames towards it
vs_wait_for 10 [ "$(vs_stat "$h" drop_port_down)" -gt 0 ] ||
	vs_fail "tx=ring: frames to a deleted interface not counted as drop_port_down"
sleep 1
c0=$(ticks)
sleep 3
c1=$(ticks)
echo "vnetd CPU ticks in 3 s after the interface went: $((c1 - c0))"
[[ $((c1 - c0)) -lt 100 ]] || vs_fail "vnetd spins on the dead socket ($((c1 - c0)) ticks in 3 s)"
ctl port del "$h" || vs_fail "deleting the dead port"
out=$(ctl port add "afpacket:name=${VS_TAG}nx" 2>&1) && vs_fail "a missing interface was accepted"
grep -q "no such interface" <<<"$out" || vs_fail "refusal does not say why: $out"
out=$(ctl port add "afpacket:name=${VS_TAG}p,rx=fast" 2>&1) && vs_fail "rx=fast was accepted"
grep -q "expected ring or mmsg" <<<"$out" || vs_fail "rx=fast refused without saying why: $out"
out=$(ctl port add "afpacket:name=${VS_TAG}p,tx=fast" 2>&1) && vs_fail "tx=fast was accepted"
grep -q "expected mmsg or ring" <<<"$out" || vs_fail "tx=fast refused without saying why: $out"
out=$(ctl port add "afpacket:name=${VS_TAG}p,qdisc-bypass=maybe" 2>&1) && vs_fail "qdisc-bypass=maybe was accepted"
grep -q "expected on or off" <<<"$out" || vs_fail "qdisc-bypass=maybe refused without saying why: $out"
ctl version >/dev/null || vs_fail "vnetd stopped answering"
vs_stop_vnetd
echo PASS
