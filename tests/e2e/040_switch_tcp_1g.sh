#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 040_switch_tcp_1g.sh - 1 GiB over TCP between two namespaces through vnetd,
# SHA-256 equal at both ends, with tap offloads on/on, off/off and on/off
# and off/on (software GSO and checksum at egress, and GRO, on the real path).
# The on/off case runs again with two workers (each worker writes the
# other's tap itself: direct transmit, counted in worker list), and on/on with two workers pinned to one CPU that poll before
# sleeping (--cpus, --poll-us). With offloads on at the receiver, tcpdump on its tap shows frames > 1514 bytes.
#
# usage: 040_switch_tcp_1g.sh BUILD_DIR [BYTES]
BUILD=$1
BYTES=${2:-1G}
source "$(dirname "$0")/lib_switch.sh"

run_case() {
	local oa=$1 ob=$2 tag=$3 workers=${4:-1}
	local a="${VS_TAG}${tag}a" b="${VS_TAG}${tag}b"
	shift 4 || shift $#
	echo "=== offload $oa -> $ob, $workers worker(s) $*"
	vs_vnetd "$@" --workers "$workers" --port "tap:name=$a,offload=$oa" --port "tap:name=$b,offload=$ob"
	vs_ns "${VS_TAG}${tag}1" "$a" 1
	vs_ns "${VS_TAG}${tag}2" "$b" 2
	# big frames reach a receiver with offloads on: passed through from an
	# offload-on sender, merged by vnetd's GRO from an offload-off one
	local big_check=no
	[[ "$ob" == on ]] && big_check=yes
	if [[ $big_check == yes ]]; then
		ip netns exec "${VS_TAG}${tag}2" timeout 60 tcpdump -i "$b" -nn -s 96 -c 400 \
			-w "$VS_TMP/rx.pcap" tcp 2>/dev/null &
		VS_PIDS+=($!)
		vs_wait_for 10 test -e "$VS_TMP/rx.pcap" || vs_fail "tcpdump did not start"
		sleep 0.5
	fi
	vs_tcp_sha "${VS_TAG}${tag}1" "${VS_TAG}${tag}2" 10.77.0.2 "$BYTES"
	if [[ $big_check == yes ]]; then
		local big
		vs_wait_for 10 bash -c "[[ \$(tcpdump -r $VS_TMP/rx.pcap 2>/dev/null | wc -l) -ge 400 ]]" ||
			true
		big=$(tcpdump -r "$VS_TMP/rx.pcap" -nn -e 2>/dev/null |
			awk '{for (i = 1; i < NF; i++) if ($i == "length") { gsub(":", "", $(i+1)); if ($(i+1) + 0 > 1514) n++; break }} END { print n + 0 }')
		echo "frames > 1514 bytes seen by tcpdump on $b: $big"
		[[ "$big" -gt 0 ]] || vs_fail "no big frames crossed with offloads on"
	fi
	local p c v
	for p in "$a" "$b"; do
		for c in drop_tx_full drop_gso_failed drop_no_buffer; do
			v=$(vs_stat "$p" "$c")
			[[ "$v" == 0 ]] || vs_fail "$p: $c = $v"
		done
	done
	# offloads off at the receiver and on at the sender: software GSO did the work
	if [[ "$oa" == on && "$ob" == off ]]; then
		v=$(vs_stat "$b" gso_sw_segs)
		echo "$b: gso_sw_segs $v"
		[[ "$v" -gt 0 ]] || vs_fail "no software segmentation towards $b"
	fi
	# and the other way GRO merged the sender's MTU-sized segments
	if [[ "$oa" == off && "$ob" == on ]]; then
		v=$(vs_stat "$b" gro_merged)
		echo "$b: gro_merged $v"
		[[ "$v" -gt 0 ]] || vs_fail "no GRO towards $b"
	fi
	# two workers, a tap each: each worker wrote the other's tap itself
	# (direct transmit), the data one way and the ACKs the other
	if [[ "$workers" == 2 ]]; then vs_direct_tx_both; fi
	# pinned workers (two): the same worker list shows the CPU, and polling happened
	if [[ "$*" == *--cpus* ]]; then
		python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
cpu = int(sys.argv[2])
assert len(j) == 2 and all(w["cpu"] == cpu for w in j), j
assert sum(w["polls"] for w in j) > 0, j
' "$VS_TMP/workers.json" "$cpu" || vs_fail "worker list: $(cat "$VS_TMP/workers.json")"
		"$VNETCTL" -s "$VS_SOCK" worker list
	fi
	vs_stop_vnetd
	ip netns del "${VS_TAG}${tag}1"
	ip netns del "${VS_TAG}${tag}2"
}

run_case on on n
run_case off off f
run_case on off m
run_case off on r
# two workers: the taps are on different workers; each sends to the other's tap itself
run_case on off w 2
# both workers on the first CPU this test may use, polling 20 us before sleeping
cpu=$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))')
run_case on on c 2 --cpus "$cpu" --poll-us 20
grep -q "worker 1 runs on CPU $cpu" "$VS_TMP"/*.log || vs_fail "vnetd did not report pinning worker 1 to CPU $cpu"
echo PASS
