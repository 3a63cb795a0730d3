#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 010_gso_vs_kernel.sh - vn_gso_segment() vs the kernel's software GSO, byte for byte
#
# Makes a namespace with two IFF_VNET_HDR taps on a bridge (STP off,
# learning off, IPv6 off so no DAD/RS/MLD noise), then runs gso_vs_kernel,
# which writes TSO/USO frames into tap A and compares the segments the
# kernel delivers on tap B with vnetd's. Needs root.
set -euo pipefail
build=${1:?usage: 010_gso_vs_kernel.sh BUILD}
tag=vn$((RANDOM % 100000))g
ns=${tag}ns
ta=${tag}a
tb=${tag}b
br=${tag}br

cleanup() {
	ip -n "$ns" link del "$ta" 2>/dev/null || true
	ip -n "$ns" link del "$tb" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$ns"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev "$ta" mode tap vnet_hdr
ip -n "$ns" tuntap add dev "$tb" mode tap vnet_hdr
ip -n "$ns" link add "$br" type bridge stp_state 0
for t in "$ta" "$tb"; do
	ip -n "$ns" link set "$t" master "$br"
	ip -n "$ns" link set "$t" type bridge_slave learning off
	ip -n "$ns" link set "$t" up
done
ip -n "$ns" link set "$br" up

timeout 120 ip netns exec "$ns" "$build/tests/e2e/gso_vs_kernel" "$ta" "$tb"
