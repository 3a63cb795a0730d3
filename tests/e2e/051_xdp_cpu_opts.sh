#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 051_xdp_cpu_opts.sh - vnetd's --xdp-cpu-rate and --xdp-cpu-burst reach the
# attachments: spin.bpf.o (a loop of about 5000 budget units a frame) at
# tap A's ingress. With a bucket of 1000 units refilled at 1000 units/s the
# first frame runs, empties it, and the frames after it are not run
# (xdp_throttled, aborted): ping A -> B fails. With the defaults (a million
# units at once, 250 million a second) every frame runs: ping works and
# nothing is throttled. --xdp-time-cap is accepted with them (a run that
# calls no helper never reads the clock, so it changes nothing here).
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 051_xdp_cpu_opts.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
progs=$build/tests/bpf/progs
. "$here/lib_vnetd.sh"

tag=vnxc$RANDOM			# xdp-cpu helper tag, unique per run
nsa=${tag}a nsb=${tag}b
tmp=$(mktemp -d)
sock=$tmp/vnetd.sock

cleanup() {
	vnetd_stop TERM || true
	for ns in "$nsa" "$nsb"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

for ns in "$nsa" "$nsb"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done

setup_ns() {
	ip -n "$1" link set "$2" up
	ip -n "$1" addr add "$3/24" dev "$2"
}

# xdp_counter NAME: a counter of A's ingress program from `vnetctl --json xdp list`
xdp_counter() {
	"$VNETCTL" -s "$sock" --json xdp list | python3 -c 'import json,sys
print([x for x in json.load(sys.stdin) if x["dir"] == "ingress"][0]["counters"][sys.argv[1]])' "$1"
}

run() {	# run OUT LOG OPTIONS...: vnetd with A and B and spin at A's ingress
	local out=$1 log=$2
	shift 2
	vnetd_start "$out" "$log" -s "$sock" \
		--port "tap:name=${tag}a,netns=$nsa" --port "tap:name=${tag}b,netns=$nsb" \
		--xdp "${tag}a:ingress:$progs/spin.bpf.o" "$@"
	setup_ns "$nsa" "${tag}a" 10.199.51.1
	setup_ns "$nsb" "${tag}b" 10.199.51.2
}

echo "## a 1000-unit bucket refilled at 1000 units/s: A's frames are throttled"
run "$tmp/out1" "$tmp/log1" --xdp-cpu-rate=1000 --xdp-cpu-burst=1000 --xdp-time-cap=500000
! ip netns exec "$nsa" busybox ping -c 3 -W 1 10.199.51.2
throttled=$(xdp_counter xdp_throttled)
echo "xdp_throttled: $throttled, xdp_pass: $(xdp_counter xdp_pass)"
[ "$throttled" -ge 2 ]
vnetd_stop TERM
ip -n "$nsa" addr flush dev "${tag}a" 2>/dev/null || true

echo "## the defaults: every frame runs"
run "$tmp/out2" "$tmp/log2"
ip netns exec "$nsa" busybox ping -c 3 -W 1 10.199.51.2
echo "xdp_throttled: $(xdp_counter xdp_throttled), xdp_pass: $(xdp_counter xdp_pass)"
[ "$(xdp_counter xdp_throttled)" = 0 ]
[ "$(xdp_counter xdp_pass)" -ge 3 ]
vnetd_stop TERM
echo "051: ok"
