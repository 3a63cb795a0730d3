#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 063_guest_harness.sh - the test guest harness itself (tests/guest/): one guest
# on a multi-queue tap in a namespace, with an extra file put into it, a named
# virtio-serial port, packed virtqueues and two queue pairs. The guest reports
# what it sees; the host checks the file came through, the port carried the
# file's bytes out, the NIC negotiated packed rings and two queues, the guest
# and the namespace ping each other, and the command's exit status (7) is
# run-guest.sh's.
set -euo pipefail
build=${1:?usage: 063_guest_harness.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_vnetd.sh"
. "$here/lib_guest.sh"

tag=vngh$$
ns=${tag}n tap=${tag}t
net=10.$((100 + RANDOM % 100)).$((RANDOM % 250)).
tmp=$(mktemp -d)

cleanup() {
	guest_kill_all
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev "$tap" mode tap multi_queue
ip -n "$ns" addr add "${net}1/24" dev "$tap"
ip -n "$ns" link set "$tap" up

head -c 4096 /dev/urandom | base64 -w 64 >"$tmp/payload"
want_md5=$(md5sum <"$tmp/payload" | cut -d' ' -f1)

# virtio feature bits, one character each in sysfs: 34 is VIRTIO_F_RING_PACKED
gcmd="echo GUEST-FILE-MD5 \$(md5sum </opt/vn/payload | cut -d' ' -f1)
for p in /sys/class/virtio-ports/*; do echo GUEST-VPORT \$(cat \$p/name) \${p##*/}; done
cat /opt/vn/payload >/dev/virtio-ports/vn.test || exit 11
f=\$(cat /sys/class/net/eth0/device/features)
echo GUEST-PACKED \$(echo \$f | cut -c35)
echo GUEST-QUEUES \$(ethtool -l eth0 | awk '/^Combined:/ { print \$2; exit }')
ping -c 3 -W 5 ${net}1 || exit 12
echo GUEST-PING-OK
exit 7"

echo "# boot: tap (2 queues, packed rings), --file, --vport"
ip netns exec "$ns" "$GUEST_RUN" --cache "$build/guest" --console "$tmp/g0.log" --timeout 240 \
	--name "vn-harness" --tap "$tap" --queues 2 --nic-opt packed=on --ip "${net}2/24" \
	--file "$tmp/payload:/opt/vn/payload" --vport "vn.test:file:$tmp/vport.out" \
	--cmd "$gcmd" >"$tmp/g0.out" 2>&1 &
GUEST_PID_g0=$!
GUEST_PIDS+=($!)
guest_wait_line g0 'GUEST-READY' 200
# under TCG on a loaded host the guest's first replies can lag its READY
# line: up to 20 single pings for the first answer, then three in a row
for _ in $(seq 20); do
	ip netns exec "$ns" busybox ping -c 1 -W 3 "${net}2" >/dev/null && break
done
ip netns exec "$ns" busybox ping -c 3 -W 5 "${net}2"
rc=0
guest_wait g0 200 || rc=$?
tr -d '\r' <"$tmp/g0.log" | sed -n '/GUEST-READY/,/GUEST-CMD-EXIT/p'
[ "$rc" = 7 ] || { echo "run-guest.sh returned $rc, the guest's command exited 7"; guest_dump g0; exit 1; }
tr -d '\r' <"$tmp/g0.log" | grep -q '^GUEST-PING-OK' || { echo "guest did not ping ${net}1"; exit 1; }

echo "# --file: the guest read the host's bytes"
[ "$(guest_value g0 GUEST-FILE-MD5)" = "$want_md5" ] ||
	{ echo "guest saw md5 '$(guest_value g0 GUEST-FILE-MD5)', host file $want_md5"; exit 1; }
echo "# --vport: the port is named, and what the guest wrote reached the host"
[ "$(guest_value g0 GUEST-VPORT)" = vn.test ] || { echo "no port named vn.test in the guest"; exit 1; }
cmp "$tmp/payload" "$tmp/vport.out" || { echo "vport output differs from the file written"; exit 1; }
echo "# --nic-opt packed=on and --queues 2 reached the guest's NIC"
[ "$(guest_value g0 GUEST-PACKED)" = 1 ] || { echo "guest NIC without VIRTIO_F_RING_PACKED"; exit 1; }
# (the most it may use: one vCPU uses one)
[ "$(guest_value g0 GUEST-QUEUES)" = 2 ] ||
	{ echo "guest NIC offers $(guest_value g0 GUEST-QUEUES) queue pairs, want 2"; exit 1; }
echo "ok"
