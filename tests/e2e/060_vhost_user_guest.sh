#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 060_vhost_user_guest.sh - a QEMU guest on a vhost-user port and a namespace behind a
# tap, both on one vnetd: the guest pings the namespace, downloads a random file
# from it (md5 compared), serves one that the namespace downloads (md5 compared),
# and runs iperf3 TCP both ways. Offloads on: the guest sends and takes TSO frames.
# With RING "packed" (066 runs it so) QEMU's NIC has packed=on: the guest's
# virtio-net driver must have negotiated VIRTIO_F_RING_PACKED (feature bit 34
# in its sysfs), and vnetctl must say the port's ring is packed.
set -euo pipefail
build=${1:?usage: 060_vhost_user_guest.sh BUILD_DIR [split|packed]}
ring=${2:-split}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
case $ring in
split) nic=() want_bit=0 ;;
packed) nic=(--nic-opt packed=on) want_bit=1 ;;
*) echo "ring: split or packed, not $ring"; exit 2 ;;
esac
. "$here/lib_vnetd.sh"
. "$here/lib_guest.sh"

tag=vnvu$RANDOM			# vhost-user helper tag, unique per run
ns=${tag}n tap=${tag}t
net=10.$((100 + RANDOM % 50)).$((RANDOM % 250)).
tmp=$(mktemp -d)
pids=()

cleanup() {
	guest_kill_all
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	vnetd_stop TERM || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns"
vnetd_start "$tmp/out" "$tmp/log" -v --socket "$tmp/ctl.sock" \
	--port "vhost-user:name=vm0,path=$tmp/vm0.sock" --port "tap:name=$tap"
tap_into_ns "$ns" "$tap" "${net}1/24"

mkdir "$tmp/www"
head -c $((8 << 20)) /dev/urandom >"$tmp/www/data"
host_md5=$(md5sum <"$tmp/www/data" | cut -d' ' -f1)
ip netns exec "$ns" busybox httpd -f -p 8080 -h "$tmp/www" &
pids+=($!)
ip netns exec "$ns" iperf3 -s >"$tmp/iperf3-s.log" 2>&1 &
pids+=($!)
# the guest needs both servers: wait until they listen (10 s bound)
wait_for 10 ip netns exec "$ns" sh -c 'ss -ltn | grep -q ":8080 "' || { echo "httpd not listening"; exit 1; }
wait_for 10 ip netns exec "$ns" sh -c 'ss -ltn | grep -q ":5201 "' || { echo "iperf3 not listening"; exit 1; }

gcmd="ethtool -k eth0 | grep -E '^(tx-checksumming|tcp-segmentation-offload):'
echo GUEST-RING-PACKED \$(cut -c35 /sys/class/net/eth0/device/features)
ping -c 3 -W 5 ${net}1 || exit 11
wget -q -O /tmp/in http://${net}1:8080/data || exit 12
echo GUEST-IN-MD5 \$(md5sum </tmp/in | cut -d' ' -f1)
iperf3 -c ${net}1 -t 3 -f m | tail -4 || exit 13
iperf3 -c ${net}1 -t 3 -f m -R | tail -4 || exit 14
mkdir -p /www && dd if=/dev/urandom of=/www/data bs=64k count=128 2>/dev/null
echo GUEST-OUT-MD5 \$(md5sum </www/data | cut -d' ' -f1)
httpd -p 8080 -h /www
echo GUEST-SERVING
timeout 90 nc -l -p 5002 >/dev/null
echo GUEST-RELEASED"

echo "# boot the guest on vhost-user (vnetd listens, QEMU connects)"
guest_start g0 --vhost-user "$tmp/vm0.sock" --ip "${net}2/24" "${nic[@]}" --cmd "$gcmd"
guest_wait_line g0 'GUEST-SERVING' 200
tr -d '\r' <"$tmp/g0.log" | sed -n '/GUEST-READY/,/GUEST-SERVING/p'

echo "# the ring format: $ring, in the guest's driver and in vnetctl"
bit=$(guest_value g0 GUEST-RING-PACKED)
[ "$bit" = "$want_bit" ] || { echo "guest's VIRTIO_F_RING_PACKED is '$bit', want $want_bit"; exit 1; }
"$VNETCTL" -s "$tmp/ctl.sock" port list | tee "$tmp/ports"
grep -E "^vm0 " "$tmp/ports" | grep -qw "ring=$ring" || { echo "vnetctl does not say ring=$ring"; exit 1; }

echo "# guest -> namespace download: compare"
in_md5=$(guest_value g0 GUEST-IN-MD5)
[ "$in_md5" = "$host_md5" ] || { echo "guest got $in_md5, served $host_md5"; exit 1; }
echo "namespace -> guest file ok ($in_md5)"

echo "# namespace downloads the guest's file: compare"
ip netns exec "$ns" busybox wget -q -O "$tmp/from-guest" "http://${net}2:8080/data"
out_md5=$(guest_value g0 GUEST-OUT-MD5)
got_md5=$(md5sum <"$tmp/from-guest" | cut -d' ' -f1)
[ "$out_md5" = "$got_md5" ] || { echo "namespace got $got_md5, guest served $out_md5"; exit 1; }
echo "guest -> namespace file ok ($got_md5)"
ip netns exec "$ns" busybox nc -w 5 "${net}2" 5002 </dev/null || true
rc=0
guest_wait g0 60 || rc=$?
[ "$rc" = 0 ] || { echo "guest command failed: $rc"; guest_dump g0; exit 1; }

echo "# vnetd shuts down cleanly"
vnetd_stop TERM
grep -E "vm0|vhost" "$tmp/log" | tail -5 || true
echo "ok"
