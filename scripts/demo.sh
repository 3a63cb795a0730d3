#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo.sh - vnetd in one minute: two namespaces behind taps, a TCP transfer
# through the switch, and what vnetctl shows about it (root; cleans up).
#
# Usage: scripts/demo.sh [BUILD_DIR]   (default: build)
# An XDP program (examples/proto_count.bpf.c, built by vnetd-bpf-cc: clang -target bpf)
# counts frames per IP protocol at the first port's ingress; its map is read
# back with vnetctl.
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

# guest_part() - a QEMU guest (virtio-net on a vhost-user port of vnetd, under
# software emulation here) pings and sends TCP to the second namespace.
guest_part() {
	local guest_dir=${VNETD_SHARED:-$repo/../shared}/guest

	if [ ! -x "$guest_dir/run-guest.sh" ]; then
		echo; echo "=== (no QEMU guest: $guest_dir/run-guest.sh not found)"
		return 0
	fi
	run port add "vhost-user:name=vm0,path=$dir/vm0.sock"
	echo; echo "=== a QEMU guest on port vm0 pings and sends TCP to ${tag}b (boots in ~10 s under TCG)"
	ip netns exec "${tag}b" timeout 60 iperf3 -s -1 -B 10.203.0.2 >/dev/null 2>&1 &
	"$guest_dir/run-guest.sh" --vhost-user "$dir/vm0.sock" --ip 10.203.0.3/24 \
		--console "$dir/vm0.console" --timeout 120 --name vnetd-demo \
		--cmd 'ping -c 3 10.203.0.2 && iperf3 -c 10.203.0.2 -t 3 | tail -3' \
		>"$dir/vm0.out" 2>&1 || { echo "guest failed:"; tail -20 "$dir/vm0.console"; exit 1; }
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
