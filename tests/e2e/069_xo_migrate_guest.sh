#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 069_xo_migrate_guest.sh - a guest's offloaded XDP program follows its VM through
# a QEMU live migration. One vnetd, two vhost-user ports (vm-a, vm-b), each
# with its own xdp-offload channel and both with xdp-offload-state=FILE. The
# source guest loads drop_icmp.bpf.o through its virtio-serial port
# (vnet-offload, as in 091): the namespace's ping to it fails. QEMU migrates
# the VM to the destination QEMU (-incoming) on vm-b. Then: vnetd logged the
# hand-off on vm-a (written) and on vm-b (taken up), the program is the
# guest's on vm-b in `vnetctl xdp list` and gone from vm-a, the namespace's
# ping still fails, FILE is gone, and the guest, now on the destination,
# reads its own counter through its channel to vm-b: the drops from before
# the migration and after it, so the map's contents came along.
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 069_xo_migrate_guest.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
XO=$build/src/cmd/vnet-offload
progs=$build/tests/bpf/progs
. "$here/lib_vnetd.sh"
. "$here/lib_guest.sh"
guest_rerun_on_kernel_failure "$@"

tag=vnxm$RANDOM			# helper tag, unique per run
ns=${tag}n tap=${tag}t
net=10.$((100 + RANDOM % 50)).$((RANDOM % 250)).
mac=52:54:00:69:00:01
tmp=$(mktemp -d)
pids=()

cleanup() {
	local rc=$? kernel_failed=
	[ "$rc" = 0 ] || ! guest_kernel_failed dst || kernel_failed=1
	if [ "$rc" != 0 ]; then
		echo "--- vnetd's log (offload, migration):"
		grep -E "warn|error|offload|migration|guest XDP" "$tmp/log" | tail -30 || true
	fi >&2
	guest_kill_all
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	vnetd_stop TERM || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
	[ -z "$kernel_failed" ] || exit "$GUEST_KERNEL_RC"
}
trap cleanup EXIT

ip netns add "$ns"
vnetd_start "$tmp/out" "$tmp/log" -v --socket "$tmp/ctl.sock" \
	--port "vhost-user:name=vm-a,path=$tmp/a.sock,xdp-offload=$tmp/xa.sock,xdp-offload-state=$tmp/vm.xo" \
	--port "vhost-user:name=vm-b,path=$tmp/b.sock,xdp-offload=$tmp/xb.sock,xdp-offload-state=$tmp/vm.xo" \
	--port "tap:name=$tap"
tap_into_ns "$ns" "$tap" "${net}1/24"
mkdir "$tmp/www"
echo hello >"$tmp/www/hello"
ip netns exec "$ns" busybox httpd -f -p 8080 -h "$tmp/www" &
pids+=($!)
wait_for 10 ip netns exec "$ns" sh -c 'ss -ltn | grep -q ":8080 "' || { echo "httpd not listening"; exit 1; }

# Load, then poll the namespace over TCP (which the program passes) until it
# serves /stop, at most 600 rounds; then read the counter through the channel
# (by then the destination's: its virtio-serial port is connected to vm-b's)
gcmd="vnet-offload --timeout 60 load /root/drop_icmp.bpf.o || exit 11
echo GUEST-LOADED
i=0
while [ \$i -lt 600 ]; do
	wget -q -O /tmp/stop http://${net}1:8080/stop 2>/dev/null && break
	wget -q -O /tmp/hello http://${net}1:8080/hello 2>/dev/null && echo GUEST-TCP \$i
	sleep 0.5
	i=\$((i + 1))
done
vnet-offload --timeout 60 status
echo GUEST-DROPS \$(vnet-offload --timeout 60 --obj /root/drop_icmp.bpf.o map dump icmp_drops | sed -n 2p | tr -s ' ' | cut -d' ' -f2)
echo GUEST-DONE"

# Source and destination: the same machine, NIC, serial port and command
common=(--ip "${net}2/24" --mac "$mac" --file "$XO:/usr/bin/vnet-offload"
	--file "$progs/drop_icmp.bpf.o:/root/drop_icmp.bpf.o" --cmd "$gcmd")
echo "# boot the source guest on vm-a; it loads its program through vm-a's channel"
guest_start src --vhost-user "$tmp/a.sock" --vport "org.vnetd.xdp.0:connect:$tmp/xa.sock" \
	"${common[@]}" --qemu -qmp --qemu "unix:$tmp/qmp-src.sock,server=on,wait=off"
echo "# start the destination QEMU on vm-b, waiting for the migration"
guest_start dst --vhost-user "$tmp/b.sock" --vport "org.vnetd.xdp.0:connect:$tmp/xb.sock" \
	"${common[@]}" --qemu -incoming --qemu "unix:$tmp/mig.sock"
guest_wait_line src 'GUEST-LOADED' 240
"$VNETCTL" -s "$tmp/ctl.sock" xdp list | tee "$tmp/xl1"
grep -q "^vm-a  *egress  *guest  *.*xdp_drop_icmp" "$tmp/xl1"
echo "# the namespace's ping dies at vm-a's egress"
! ip netns exec "$ns" busybox ping -c 3 -W 2 "${net}2"
wait_for 20 test -S "$tmp/mig.sock" || { echo "destination not listening"; exit 1; }

echo "# migrate"
python3 "$here/qmp_migrate.py" "$tmp/qmp-src.sock" "unix:$tmp/mig.sock" 120 $((256 << 20)) \
	"$tmp/pass1" >"$tmp/mig.out" || true
cat "$tmp/mig.out"
grep -q "migration: completed" "$tmp/mig.out" || { echo "migration did not complete"; exit 1; }

echo "# vm-a handed the program on, vm-b took it up"
wait_for 30 grep -q "port 'vm-b': live migration: guest XDP program and maps taken up" "$tmp/log" ||
	{ echo "vm-b did not take the program up"; exit 1; }
grep -q "port 'vm-a': live migration: guest XDP program and maps written to $tmp/vm.xo" "$tmp/log"
[ ! -e "$tmp/vm.xo" ] || { echo "the state file is still there"; exit 1; }
"$VNETCTL" -s "$tmp/ctl.sock" xdp list | tee "$tmp/xl2"
grep -q "^vm-b  *egress  *guest  *.*xdp_drop_icmp" "$tmp/xl2"
! grep -q "^vm-a " "$tmp/xl2"
"$VNETCTL" -s "$tmp/ctl.sock" stats vm-b --all | grep "xdp_offload_handoffs"

echo "# the guest goes on on the destination; the ping still dies, now at vm-b"
n_src=$(tr -d '\r' <"$tmp/src.log" | grep -c '^GUEST-TCP ' || true)
guest_wait_line dst '^GUEST-TCP ' 120
! ip netns exec "$ns" busybox ping -c 3 -W 2 "${net}2"
touch "$tmp/www/stop"
guest_wait_line dst 'GUEST-DONE' 240
rc=0
guest_wait dst 60 || rc=$?
[ "$rc" = 0 ] || { echo "guest command failed on the destination: $rc"; guest_dump dst; exit 1; }
drops=$(guest_value dst GUEST-DROPS)
echo "TCP rounds on the source: $n_src; icmp_drops read on the destination: $drops"
# 3 echo requests before the migration, 3 after: the counter came along
[ -n "$drops" ] && [ "$drops" -ge 6 ] || { echo "the counter did not carry over"; exit 1; }
vnetd_stop TERM
echo "ok"
