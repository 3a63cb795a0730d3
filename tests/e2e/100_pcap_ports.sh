#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 100_pcap_ports.sh - pcap ports: replay a file tcpdump wrote, record what the switch sends
#
# Real peers: tcpdump writes the capture (echo requests seen on a veth in
# a namespace this test creates) and reads what arrives at a tap; tshark
# reads the file a write= port recorded. Checks: the replayed frames reach
# the tap byte for byte and the replay port goes down after them; loop=3
# plays the file three times; the frames the tap sends (ARP requests,
# flooded) are recorded byte for byte and read back by tshark; a hostile
# capture (a record cut short) replays what it can, then goes down; a file
# that is no capture is refused with libpcap's reason; vnetd stays up.
. "$(dirname "$0")/ctl_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_vnetd.sh"	# wait_for

t=${tag}t
gen=${tag}g
# hexdump FILE [FILTER]: every frame's bytes, no timestamps, no file header line
hexdump() { tcpdump -r "$1" -n -t -xx ${2:+"$2"} 2>/dev/null | grep -E '^\s+0x'; }
count() { tcpdump -r "$1" -n ${2:+"$2"} 2>/dev/null | wc -l; }
state() { ctl --json port list | jget "[p['state'] for p in j if p['name'] == '$1'][0]"; }

note "tcpdump writes a capture: 6 echo requests on a veth in a namespace"
ip netns add "$gen"
netns+=("$gen")
ip netns add "${gen}2"
netns+=("${gen}2")
ip -n "$gen" link add "${tag}v0" type veth peer name "${tag}v1" netns "${gen}2"
ip -n "$gen" addr add 10.209.0.1/24 dev "${tag}v0"
ip -n "${gen}2" addr add 10.209.0.2/24 dev "${tag}v1"
ip -n "$gen" link set "${tag}v0" up
ip -n "${gen}2" link set "${tag}v1" up
ip netns exec "${gen}2" timeout 30 tcpdump -i "${tag}v1" -Q in -U -c 6 -w "$dir/src.pcap" \
	'icmp[icmptype] == icmp-echo' >/dev/null 2>&1 &
pids+=($!)
tdp=$!
sleep 1
ip netns exec "$gen" busybox ping -c 8 -i 0.2 10.209.0.2 >/dev/null 2>&1 || true
wait "$tdp" || fail "tcpdump did not capture 6 echo requests"
[ "$(count "$dir/src.pcap")" = 6 ] || fail "source capture has $(count "$dir/src.pcap") frames"

start_vnetd
ctl port add "tap:name=$t" >/dev/null
ns_tap "${tag}n" "$t" 10.209.1.1/24

note "replay into the switch: the tap receives the 6 frames byte for byte"
ip netns exec "${tag}n" timeout 30 tcpdump -i "$t" -Q in -U -c 6 -w "$dir/got.pcap" \
	'icmp' >/dev/null 2>&1 &
pids+=($!)
tdp=$!
sleep 1
ctl port add "pcap:name=${tag}r,read=$dir/src.pcap,rate=max" >/dev/null
wait "$tdp" || fail "the tap did not receive the replayed frames"
[ "$(hexdump "$dir/src.pcap")" = "$(hexdump "$dir/got.pcap")" ] ||
	fail "replayed frames differ from the file"
wait_for 10 [ "$(state "${tag}r")" = down ] || fail "replay port not down after its file: $(state "${tag}r")"
rx=$(ctl --json stats "${tag}r" | jget "j[0]['counters']['rx_packets']")
[ "$rx" = 6 ] || fail "replay port rx_packets $rx, want 6"
ctl port del "${tag}r" >/dev/null

note "loop=3 at a fixed rate plays the file three times"
ip netns exec "${tag}n" timeout 30 tcpdump -i "$t" -Q in -U -c 18 -w "$dir/got3.pcap" \
	'icmp' >/dev/null 2>&1 &
pids+=($!)
tdp=$!
sleep 1
ctl port add "pcap:name=${tag}r,read=$dir/src.pcap,loop=3,rate=200" >/dev/null
wait "$tdp" || fail "loop=3: the tap did not receive 18 frames"
[ "$(hexdump "$dir/got3.pcap")" = "$(hexdump "$dir/src.pcap"; hexdump "$dir/src.pcap"; hexdump "$dir/src.pcap")" ] ||
	fail "loop=3 frames differ"
ctl port del "${tag}r" >/dev/null

note "record: the ARP requests the tap sends are flooded to a write= port"
ctl port add "pcap:name=${tag}w,write=$dir/rec.pcap" >/dev/null
ip netns exec "${tag}n" timeout 30 tcpdump -i "$t" -Q out -U -c 3 -w "$dir/sent.pcap" arp \
	>/dev/null 2>&1 &
pids+=($!)
tdp=$!
sleep 1
ip netns exec "${tag}n" busybox arping -c 3 -w 5 -I "$t" 10.209.1.99 >/dev/null 2>&1 || true
wait "$tdp" || fail "tcpdump did not see the tap's 3 ARP requests"
wait_for 10 [ "$(count "$dir/rec.pcap" arp)" -ge 3 ] || fail "recorded $(count "$dir/rec.pcap" arp) ARP frames"
ctl port del "${tag}w" >/dev/null
[ "$(hexdump "$dir/rec.pcap" arp)" = "$(hexdump "$dir/sent.pcap" arp)" ] ||
	fail "recorded frames differ from what the tap sent"
n=$(tshark -r "$dir/rec.pcap" -Y 'arp.opcode == 1 && arp.dst.proto_ipv4 == 10.209.1.99' 2>/dev/null | wc -l)
[ "$n" = 3 ] || fail "tshark reads $n ARP requests from the recording, want 3"

note "hostile files: a record cut short replays what it can; text is refused"
head -c $(( $(stat -c %s "$dir/src.pcap") - 20 )) "$dir/src.pcap" > "$dir/cut.pcap"
ctl port add "pcap:name=${tag}c,read=$dir/cut.pcap,rate=max" >/dev/null
wait_for 10 [ "$(state "${tag}c")" = down ] || fail "cut replay not down"
rx=$(ctl --json stats "${tag}c" | jget "j[0]['counters']['rx_packets']")
[ "$rx" = 5 ] || fail "cut file: rx_packets $rx, want 5"
grep -q "replay stopped" "$log" || fail "no log line for the cut record"
echo "not a capture" > "$dir/text.pcap"
out=$(ctl port add "pcap:name=${tag}x,read=$dir/text.pcap" 2>&1) && fail "a text file was accepted"
grep -q "unknown file format" <<<"$out" || fail "refusal does not say why: $out"
ctl version >/dev/null || fail "vnetd stopped answering"
echo "PASS"
