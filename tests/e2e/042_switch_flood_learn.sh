#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 042_switch_flood_learn.sh - four namespaces on one vnetd with two workers
# (ports spread over both, so floods and unicast cross the worker rings): ARP/NDP requests
# are flooded to all other ports, then unicast between two stations is seen
# only by them (tcpdump on the bystanders' taps sees none of it), the FDB
# holds the four stations, and a flushed FDB floods again.
#
# usage: 042_switch_flood_learn.sh BUILD_DIR
BUILD=$1
source "$(dirname "$0")/lib_switch.sh"

args=()
for i in 1 2 3 4; do
	args+=(--port "tap:name=${VS_TAG}t$i")
done
vs_vnetd --workers 2 "${args[@]}"
for i in 1 2 3 4; do
	vs_ns "${VS_TAG}n$i" "${VS_TAG}t$i" "$i"
done

# bystanders 3 and 4 capture what reaches them while 1 talks to 2
cap() {
	ip netns exec "${VS_TAG}n$1" timeout 30 tcpdump -i "${VS_TAG}t$1" -nn -l -U \
		-w "$VS_TMP/cap$1.pcap" "arp or icmp or icmp6" 2>/dev/null &
	VS_PIDS+=($!)
}
cap 3
cap 4
# tcpdump creates its file once the capture and its filter are in place
for i in 3 4; do
	vs_wait_for 10 test -e "$VS_TMP/cap$i.pcap" || vs_fail "tcpdump $i did not start"
done
# seen I EXPR RE: capture I holds a frame matching EXPR whose line matches RE
seen() {
	tcpdump -r "$VS_TMP/cap$1.pcap" -nn "$2" 2>/dev/null | grep -q "$3"
}
# settle N...: station N (each) broadcasts an ARP request for an unused
# address and we wait until both bystanders captured it. Its frames and the
# marker take the same path through vnetd (same ingress port and worker), so
# once the marker is in a capture, every earlier frame from N that vnetd sent
# to that bystander is in it too: counts read after this are final.
marker=200
settle() {
	local n i
	for n in "$@"; do
		marker=$((marker + 1))
		ip netns exec "${VS_TAG}n$n" busybox ping -c 1 -W 1 "10.77.0.$marker" >/dev/null 2>&1 || true
		for i in 3 4; do
			[[ $n == "$i" ]] && continue
			vs_wait_for 10 seen "$i" arp "who-has 10.77.0.$marker tell" ||
				vs_fail "marker ARP from $n not captured at bystander $i"
		done
	done
}
# First contact: the ARP request is a broadcast, so 3 and 4 see it
ip netns exec "${VS_TAG}n1" busybox ping -c 1 -W 2 10.77.0.2 >/dev/null || vs_fail "ping 1->2"
ip netns exec "${VS_TAG}n1" busybox ping -c 1 -W 2 fd77::2 >/dev/null || vs_fail "ping6 1->2"
settle 1
for i in 3 4; do
	n=$(tcpdump -r "$VS_TMP/cap$i.pcap" -nn arp 2>/dev/null | grep -c "who-has 10.77.0.2" || true)
	echo "bystander $i saw $n flooded ARP request(s)"
	[[ "$n" -ge 1 ]] || vs_fail "ARP request not flooded to port $i"
done
# Learned: 20 more pings in each family, none reaches the bystanders
before3=$(tcpdump -r "$VS_TMP/cap3.pcap" -nn icmp 2>/dev/null | wc -l)
before4=$(tcpdump -r "$VS_TMP/cap4.pcap" -nn icmp 2>/dev/null | wc -l)
ip netns exec "${VS_TAG}n1" busybox ping -c 20 -i 0.05 -W 2 10.77.0.2 >/dev/null || vs_fail "ping"
ip netns exec "${VS_TAG}n1" busybox ping -c 20 -i 0.05 -W 2 fd77::2 >/dev/null || vs_fail "ping6"
settle 1 2
after3=$(tcpdump -r "$VS_TMP/cap3.pcap" -nn icmp 2>/dev/null | wc -l)
after4=$(tcpdump -r "$VS_TMP/cap4.pcap" -nn icmp 2>/dev/null | wc -l)
echo "bystander ICMP frames during learned unicast: $((after3 - before3)) and $((after4 - before4))"
[[ $after3 -eq $before3 && $after4 -eq $before4 ]] || vs_fail "unicast leaked to bystanders"
echo6=$(tcpdump -r "$VS_TMP/cap3.pcap" -nn "icmp6 and ip6[40] == 128" 2>/dev/null | wc -l)
[[ "$echo6" -eq 0 ]] || vs_fail "ICMPv6 echo leaked to bystander 3"
# All four stations answer each other (ARP/NDP flooding both ways)
for i in 3 4; do
	ip netns exec "${VS_TAG}n$i" busybox ping -c 1 -W 2 10.77.0.1 >/dev/null || vs_fail "ping $i->1"
done
"$VNETCTL" -s "$VS_SOCK" fdb show
n=$("$VNETCTL" -s "$VS_SOCK" fdb show | grep -c "02:77:00:00:00:0[1-4]" || true)
[[ "$n" -ge 4 ]] || vs_fail "FDB has $n of the 4 stations"
# Flushed: the next unicast frame is unknown again and flooded
"$VNETCTL" -s "$VS_SOCK" fdb flush >/dev/null
before3=$(tcpdump -r "$VS_TMP/cap3.pcap" -nn icmp 2>/dev/null | wc -l)
ip netns exec "${VS_TAG}n1" busybox ping -c 1 -W 2 10.77.0.2 >/dev/null || vs_fail "ping after flush"
settle 1
after3=$(tcpdump -r "$VS_TMP/cap3.pcap" -nn icmp 2>/dev/null | wc -l)
echo "bystander 3 ICMP frames after the flush: $((after3 - before3))"
[[ $after3 -gt $before3 ]] || vs_fail "unknown unicast after flush was not flooded"
[[ "$(vs_stat "${VS_TAG}t1" drop_hairpin)" == 0 ]] || vs_fail "hairpin drops"
vs_stop_vnetd
echo PASS
