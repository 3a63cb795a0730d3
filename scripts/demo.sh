#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo.sh - vnetd in one minute: two namespaces behind taps, a TCP transfer
# through the switch, and what vnetctl shows about it (root; cleans up).
#
# Usage: scripts/demo.sh [BUILD_DIR]   (default: build)
# An XDP program (examples/proto_count.bpf.c, built by vnetd-bpf-cc: clang -target bpf)
# counts frames per IP protocol at the first port's ingress; its map is read
# back with vnetctl. Last, a QEMU guest booted by tests/guest/run-guest.sh
# (its image is built into BUILD/guest the first time) joins on a vhost-user
# port, pings and sends TCP.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
vnetd=$build/src/cmd/vnetd
vnetctl=$build/src/cmd/vnetctl
prog=$build/examples/proto_count.bpf.o
[ -x "$vnetd" ] && [ -x "$vnetctl" ] && [ -f "$prog" ] || { echo "build first: make" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo.sh needs root (taps, namespaces)" >&2; exit 1; }

tag=demo$RANDOM
dir=$(mktemp -d /tmp/vnetd-demo.XXXXXX)
sock=$dir/vnetd.sock
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "${tag}a" 2>/dev/null || true
	ip netns del "${tag}b" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
run() { echo; echo "\$ vnetctl $*"; "$vnetctl" -s "$sock" "$@"; }

cat >"$dir/vnetd.conf" <<CONF
# two taps with TSO/checksum offloads negotiated with the kernel
port add tap:name=${tag}0,offload=on
port add tap:name=${tag}1,offload=on
CONF
echo "=== vnetd -c vnetd.conf"
cat "$dir/vnetd.conf"
"$vnetd" --socket "$sock" -c "$dir/vnetd.conf" >"$dir/vnetd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do "$vnetctl" -s "$sock" version >/dev/null 2>&1 && break; sleep 0.1; done

# guest_part() - a QEMU guest (virtio-net on a vhost-user port of vnetd, booted
# by the project's test harness tests/guest/run-guest.sh, which builds its image
# into BUILD/guest on first use) pings and sends TCP to the second namespace.
guest_part() {
	local rc=0

	if ! command -v qemu-system-x86_64 >/dev/null; then
		echo; echo "=== (no QEMU guest: qemu-system-x86_64 missing; make deps installs it)"
		return 0
	fi
	run port add "vhost-user:name=vm0,path=$dir/vm0.sock"
	echo; echo "=== a QEMU guest on port vm0 pings and sends TCP to ${tag}b (boots in 6-15 s under TCG)"
	ip netns exec "${tag}b" timeout 90 iperf3 -s -1 -B 10.203.0.2 >/dev/null 2>&1 &
	"$repo/tests/guest/run-guest.sh" --cache "$build/guest" --vhost-user "$dir/vm0.sock" \
		--ip 10.203.0.3/24 --console "$dir/vm0.console" --timeout 150 --name vnetd-demo \
		--cmd 'ping -c 3 10.203.0.2 && iperf3 -c 10.203.0.2 -t 3 | tail -3' \
		>"$dir/vm0.out" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		echo "guest failed ($rc):"
		tail -5 "$dir/vm0.out"
		tr -d '\r' <"$dir/vm0.console" | tail -20
		exit 1
	fi
	tr -d '\r' <"$dir/vm0.console" | grep -E 'packets transmitted|sender|receiver' || true
	run stats vm0
}

i=0
for ns in "${tag}a" "${tag}b"; do
	ip netns add "$ns"
	ip link set "${tag}$i" netns "$ns"
	ip -n "$ns" addr add "10.203.0.$((i + 1))/24" dev "${tag}$i"
	ip -n "$ns" link set "${tag}$i" up
	i=$((i + 1))
done

run xdp attach "${tag}0:ingress:$prog"

echo; echo "=== ping and iperf3 through vnetd"
ip netns exec "${tag}a" busybox ping -c 3 -W 5 10.203.0.2 | tail -2
ip netns exec "${tag}b" timeout 30 iperf3 -s -1 -B 10.203.0.2 >/dev/null 2>&1 &
sleep 0.5
ip netns exec "${tag}a" timeout 30 iperf3 -c 10.203.0.2 -t 3 | tail -4 | head -2
run port list
run stats
run fdb show
run top -n 1 -d 1
run xdp list
run map list "${tag}0" ingress
run map dump "${tag}0" ingress proto_count
guest_part

echo; echo "=== the counter for TCP (key 6, hex in the kernel's byte layout)"
run map lookup "${tag}0" ingress proto_count 06000000
