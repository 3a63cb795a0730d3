#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 094_xo_guest_late_host.sh - vnet-offload in a QEMU guest whose virtio-serial port has
# no host side yet: QEMU's chardev (socket, reconnect=1) points at an xdp-offload
# socket that does not exist when the guest starts its command. vnet-offload
# waits (the port reports POLLHUP, reads return 0, HELLO is repeated) until
# vnetd comes up and QEMU connects, then loads drop_icmp.bpf.o on that port
# (a tap port in a namespace: the channel is the same for every port kind);
# vnetctl shows it as the guest's, and the namespace's ping through the port
# fails. A second run with a short --timeout against a channel that stays
# down gives up with exit status 1 and says why.
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 094_xo_guest_late_host.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
XO=$build/src/cmd/vnet-offload
progs=$build/tests/bpf/progs
. "$here/lib_vnetd.sh"
. "$here/lib_guest.sh"

tag=vnxl$RANDOM			# xotool helper tag, unique per run
ns=${tag}n peer=${tag}p
net=10.$((150 + RANDOM % 50)).$((RANDOM % 250)).
tmp=$(mktemp -d)
sock=$tmp/vnetd.sock

cleanup() {
	guest_kill_all
	vnetd_stop TERM || true
	ip netns del "$ns" 2>/dev/null || true
	ip netns del "$peer" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

gcmd="vnet-offload --timeout 2 --device /dev/virtio-ports/org.vnetd.down status
echo GUEST-DOWN-RC \$?
echo GUEST-WAITING
vnet-offload --timeout 150 load /root/drop_icmp.bpf.o
echo GUEST-LOAD-RC \$?
vnet-offload --timeout 30 status
timeout 120 sh -c 'while [ ! -e /tmp/never ]; do sleep 1; done'"

echo "# the guest starts with no vnetd: its offload port's chardev has nothing to connect to"
guest_start g0 --no-net \
	--vport "org.vnetd.xdp.0:connect:$tmp/xo.sock" \
	--vport "org.vnetd.down:connect:$tmp/down.sock" \
	--file "$XO:/usr/bin/vnet-offload" --file "$progs/drop_icmp.bpf.o:/root/drop_icmp.bpf.o" \
	--cmd "$gcmd"
guest_wait_line g0 'GUEST-WAITING' 240
[ "$(guest_value g0 GUEST-DOWN-RC)" = 1 ]
tr -d '\r' <"$tmp/g0.log" | grep "Error: " | head -3
tr -d '\r' <"$tmp/g0.log" | grep -q "Error: .*org.vnetd.down: the port.s host side never connected"
sleep 3		# vnet-offload is waiting for the host side now

echo "# vnetd comes up; QEMU (reconnect=1) connects; the waiting load goes through"
for n in "$ns" "$peer"; do ip netns add "$n"; ip -n "$n" link set lo up; done
vnetd_start "$tmp/out" "$tmp/log" -v -s "$sock" \
	--port "tap:name=${tag}g,netns=$ns,xdp-offload=$tmp/xo.sock" \
	--port "tap:name=${tag}q,netns=$peer"
ip -n "$ns" link set "${tag}g" up
ip -n "$ns" addr add "${net}1/24" dev "${tag}g"
ip -n "$peer" link set "${tag}q" up
ip -n "$peer" addr add "${net}2/24" dev "${tag}q"
guest_wait_line g0 'GUEST-LOAD-RC' 180
tr -d '\r' <"$tmp/g0.log" | sed -n '/GUEST-WAITING/,$p' | head -12
[ "$(guest_value g0 GUEST-LOAD-RC)" = 0 ]
"$VNETCTL" -s "$sock" xdp list | tee "$tmp/xl"
grep -q "^${tag}g  *egress  *guest  *.*xdp_drop_icmp" "$tmp/xl"
! ip netns exec "$peer" busybox ping -c 2 -W 1 "${net}1"
echo "ok"
