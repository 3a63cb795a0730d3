#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 071_ctl_hotplug.sh - add and delete ports while a TCP stream crosses the switch
#
# Real peers: iperf3 between two namespaces behind taps; a third tap is
# added and deleted five times during the transfer. Nothing may crash, the
# transfer must complete, counters must only grow, and what one port
# transmitted cannot exceed what the other received.
. "$(dirname "$0")/ctl_lib.sh"

a=${tag}a b=${tag}b c=${tag}c
start_vnetd
ctl port add "tap:name=$a,offload=on"
ctl port add "tap:name=$b,offload=on"
ns_tap "${tag}na" "$a" 10.201.8.1/24
ns_tap "${tag}nb" "$b" 10.201.8.2/24
ip netns exec "${tag}na" busybox ping -c 2 -W 2 10.201.8.2 >/dev/null || fail "ping before"

ctl --json stats --all >"$dir/before.json"
ip netns exec "${tag}nb" timeout 60 iperf3 -s -1 -B 10.201.8.2 >"$dir/iperf-s.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
	ip netns exec "${tag}nb" ss -ltn 2>/dev/null | grep -q ":5201 " && break
	sleep 0.1
done
ip netns exec "${tag}na" timeout 60 iperf3 -c 10.201.8.2 -t 4 -J >"$dir/iperf.json" 2>&1 &
client=$!
pids+=($client)

note "add/delete $c five times during the transfer"
for i in 1 2 3 4 5; do
	ctl port add "tap:name=$c,offload=on,vlan=$((10 + i))"
	ctl --json port list | json "len(j) == 3" || fail "port $c not listed (round $i)"
	ctl --json stats "$c" | json "j[0]['name'] == '$c'" || fail "stats $c (round $i)"
	sleep 0.3
	ctl port del "$c"
	ctl --json port list | json "len(j) == 2" || fail "port $c still listed (round $i)"
done

wait "$client" || fail "iperf3 client failed: $(tail -5 "$dir/iperf.json")"
python3 - "$dir/iperf.json" <<'PY' || fail "iperf3 result"
import json, sys
r = json.load(open(sys.argv[1]))
got = r["end"]["sum_received"]["bytes"]
print(f"iperf3: {got} bytes received")
sys.exit(0 if got > 0 else 1)
PY
kill -0 "$vnetd_pid" || fail "vnetd died"
sleep 1		# let the last frames drain: the counters below are compared exactly

ctl --json stats --all >"$dir/after.json"
python3 - "$dir/before.json" "$dir/after.json" "$a" "$b" <<'PY' || fail "counters inconsistent"
import json, sys
before = {p["name"]: p["counters"] for p in json.load(open(sys.argv[1]))}
after = {p["name"]: p["counters"] for p in json.load(open(sys.argv[2]))}
a, b = sys.argv[3], sys.argv[4]
assert set(after) == {a, b}, after.keys()
for port in (a, b):
    for k, v in before[port].items():
        assert after[port][k] >= v, f"{port} {k} went back: {v} -> {after[port][k]}"
# frames leave b only if they entered at a (the third port's tap was down)
assert after[b]["tx_packets"] <= after[a]["rx_packets"], (after[a], after[b])
assert after[a]["tx_packets"] <= after[b]["rx_packets"], (after[a], after[b])
assert after[a]["rx_packets"] - before[a]["rx_packets"] > 1000
print("counters:", {p: {k: after[p][k] for k in ("rx_packets", "tx_packets")} for p in (a, b)})
PY
ip netns exec "${tag}na" busybox ping -c 2 -W 2 10.201.8.2 >/dev/null || fail "ping after"
echo "PASS"
