#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 041_switch_udp.sh - UDP datagrams below and above the MTU (IP fragments),
# up to 64 KiB, over IPv4 and IPv6, plus a UDP_SEGMENT (USO) send, echoed
# through vnetd with offloads on/on and on/off; every echo checked byte for
# byte (udp_echo.py). Also ping v4/v6 (ARP and NDP through the switch).
#
# usage: 041_switch_udp.sh BUILD_DIR
BUILD=$1
source "$(dirname "$0")/lib_switch.sh"
ECHO="$(dirname "$0")/udp_echo.py"

run_case() {
	local oa=$1 ob=$2 tag=$3
	local a="${VS_TAG}${tag}a" b="${VS_TAG}${tag}b" n1="${VS_TAG}${tag}1" n2="${VS_TAG}${tag}2"
	echo "=== offload $oa -> $ob"
	vs_vnetd --port "tap:name=$a,offload=$oa" --port "tap:name=$b,offload=$ob"
	vs_ns "$n1" "$a" 1
	vs_ns "$n2" "$b" 2
	ip netns exec "$n1" busybox ping -c 2 -W 2 10.77.0.2 >/dev/null || vs_fail "ping"
	ip netns exec "$n1" busybox ping -c 2 -W 2 fd77::2 >/dev/null || vs_fail "ping6"
	ip netns exec "$n2" python3 "$ECHO" server 10.77.0.2 7007 60 &
	VS_PIDS+=($!)
	ip netns exec "$n2" python3 "$ECHO" server fd77::2 7007 60 &
	VS_PIDS+=($!)
	vs_wait_for 10 ip netns exec "$n2" bash -c "ss -lun | grep -q 'fd77::2\]:7007'" || vs_fail "echo server"
	ip netns exec "$n1" timeout 60 python3 "$ECHO" client 10.77.0.2 7007 || vs_fail "IPv4 UDP"
	ip netns exec "$n1" timeout 60 python3 "$ECHO" client fd77::2 7007 || vs_fail "IPv6 UDP"
	echo "$b: gso_sw_frames $(vs_stat "$b" gso_sw_frames), csum_sw $(vs_stat "$b" csum_sw)"
	vs_stop_vnetd
	ip netns del "$n1"
	ip netns del "$n2"
}

run_case on on n
run_case on off m
echo PASS
