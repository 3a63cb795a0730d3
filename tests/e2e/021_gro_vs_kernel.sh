#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 021_gro_vs_kernel.sh - vn_gro_burst against the Linux kernel's GRO, byte for byte
#
# A veth pair in a namespace of our own: segments go out of va (TSO off, so
# veth hands them to the peer's NAPI), vb runs the kernel's GRO (toggled on
# so veth enables NAPI, long gro_flush_timeout so a burst is held together)
# and gro_kernel reads the merged frames with their virtio-net header.
set -euo pipefail
build=${1:?usage: 021_gro_vs_kernel.sh BUILD [TRIALS] [SEED]}
trials=${2:-200}
seed=${3:-$RANDOM}
ns="vn${RANDOM}gro"

cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link add va type veth peer name vb
ip -n "$ns" link set va address 02:76:6e:00:00:01
ip -n "$ns" link set vb address 02:76:6e:00:00:02
# No IPv6 on the links: no neighbour discovery frames in the capture
# (GRO of IPv6 TCP frames does not need the address family enabled)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n "$ns" link set va up
ip -n "$ns" link set vb up
ip netns exec "$ns" ethtool -K va tso off
ip netns exec "$ns" ethtool -K vb gro off
ip netns exec "$ns" ethtool -K vb gro on
ip netns exec "$ns" sh -c 'echo 50000000 > /sys/class/net/vb/gro_flush_timeout;
			   echo 1000 > /sys/class/net/vb/napi_defer_hard_irqs'
echo "021_gro_vs_kernel: kernel $(uname -r), $trials trials, seed $seed"
ip netns exec "$ns" timeout 300 "$build/tests/e2e/gro_kernel" va vb "$trials" "$seed"
