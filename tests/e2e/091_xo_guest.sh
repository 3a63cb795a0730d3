#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 091_xo_guest.sh - guest XDP offload from a real QEMU guest: the guest's vhost-user
# port has xdp-offload=SOCK, QEMU connects a virtio-serial port named
# org.vnetd.xdp.0 to SOCK (chardev socket, reconnect=1), and inside the guest
# vnet-offload (static, passed with --file) loads drop_icmp.bpf.o through
# /dev/virtio-ports/org.vnetd.xdp.0, its default device. Then: the namespace's
# ping to the guest fails while a TCP transfer to it completes (md5 compared);
# the guest reads its own counter (> 0, by BTF field name); the operator sees
# the program as the guest's in `vnetctl xdp list`; the guest unloads and the
# namespace's ping works again. Guests run under TCG here: generous timeouts.
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 091_xo_guest.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
XO=$build/src/cmd/vnet-offload
progs=$build/tests/bpf/progs
. "$here/lib_vnetd.sh"
. "$here/lib_guest.sh"

tag=vnxg$RANDOM			# xotool helper tag, unique per run
ns=${tag}n tap=${tag}t
net=10.$((150 + RANDOM % 50)).$((RANDOM % 250)).
tmp=$(mktemp -d)
sock=$tmp/vnetd.sock

cleanup() {
	guest_kill_all
	vnetd_stop TERM || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns"
vnetd_start "$tmp/out" "$tmp/log" -v -s "$sock" \
	--port "vhost-user:name=vm0,path=$tmp/vm0.sock,xdp-offload=$tmp/xo.sock" \
	--port "tap:name=$tap,netns=$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link set "$tap" up
ip -n "$ns" addr add "${net}1/24" dev "$tap"

gcmd="ls -l /dev/virtio-ports/
vnet-offload --timeout 60 load /root/drop_icmp.bpf.o || exit 11
vnet-offload status
echo GUEST-LOADED
nc -l -p 5001 >/tmp/recv
echo GUEST-RECV-MD5 \$(md5sum </tmp/recv | cut -d' ' -f1)
vnet-offload --obj /root/drop_icmp.bpf.o map dump icmp_drops
echo GUEST-DROPS \$(vnet-offload --obj /root/drop_icmp.bpf.o map dump icmp_drops | sed -n 2p | tr -s ' ' | cut -d' ' -f2)
vnet-offload status
vnet-offload unload || exit 12
echo GUEST-UNLOADED
timeout 90 nc -l -p 5002 >/dev/null
echo GUEST-RELEASED"

echo "# boot the guest: vhost-user NIC, virtio-serial port org.vnetd.xdp.0 -> $tmp/xo.sock"
guest_start g0 --vhost-user "$tmp/vm0.sock" --ip "${net}2/24" \
	--vport "org.vnetd.xdp.0:connect:$tmp/xo.sock" \
	--file "$XO:/usr/bin/vnet-offload" --file "$progs/drop_icmp.bpf.o:/root/drop_icmp.bpf.o" \
	--cmd "$gcmd"
guest_wait_line g0 'GUEST-LOADED' 240
tr -d '\r' <"$tmp/g0.log" | sed -n '/GUEST-READY/,/GUEST-LOADED/p'

echo "# the operator sees the guest's program at vm0's egress"
"$VNETCTL" -s "$sock" xdp list | tee "$tmp/xl"
grep -q "^vm0  *egress  *guest  *.*xdp_drop_icmp" "$tmp/xl"

echo "# ping to the guest fails: the echo requests are dropped before guest memory"
! ip netns exec "$ns" busybox ping -c 3 -W 2 "${net}2"

echo "# TCP to the guest works: 2 MiB with nc, md5 compared"
head -c $((2 << 20)) /dev/urandom >"$tmp/data"
ok=0
for i in $(seq 1 50); do
	if timeout 60 ip netns exec "$ns" nc -N "${net}2" 5001 <"$tmp/data" 2>/dev/null; then
		ok=1
		break
	fi
	sleep 0.2	# the guest's nc may not listen yet
done
[ $ok = 1 ] || { echo "could not reach the guest's nc"; guest_dump g0; exit 1; }
guest_wait_line g0 'GUEST-UNLOADED' 120
tr -d '\r' <"$tmp/g0.log" | sed -n '/GUEST-LOADED/,/GUEST-UNLOADED/p'
got=$(guest_value g0 GUEST-RECV-MD5)
want=$(md5sum <"$tmp/data" | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "guest received $got, sent $want"; exit 1; }
echo "TCP to the guest ok ($got)"

echo "# the guest's own counter: the dropped echo requests"
drops=$(guest_value g0 GUEST-DROPS)
echo "icmp_drops[0] read in the guest: $drops"
[ -n "$drops" ] && [ "$drops" -ge 3 ]

echo "# unloaded: ping works again"
ip netns exec "$ns" busybox ping -c 2 -W 5 "${net}2"
"$VNETCTL" -s "$sock" xdp list | tee "$tmp/xl2"
! grep -q "^vm0 " "$tmp/xl2"

ip netns exec "$ns" busybox nc -w 5 "${net}2" 5002 </dev/null || true
rc=0
guest_wait g0 60 || rc=$?
[ "$rc" = 0 ] || { echo "guest command failed: $rc"; guest_dump g0; exit 1; }
vnetd_stop TERM
echo "ok"
