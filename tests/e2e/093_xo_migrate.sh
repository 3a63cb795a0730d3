#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 093_xo_migrate.sh - a guest's offloaded XDP program moves to another vnetd
# with its maps: vnetd #1 serves a tap port with xdp-offload=SOCK; the
# "container" behind it loads drop_icmp.bpf.o through the socket
# (vnet-offload); pings to it are dropped and counted. `vnetctl xdp export
# PORT egress FILE` writes program and maps; vnetd #1 stops; vnetd #2 (the
# destination, same port names) imports FILE: pings are dropped there at
# once, TCP still works, and the drop counter went on from the exported
# value. A port whose quota the file does not fit refuses the import with
# the quota named and loads nothing.
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 093_xo_migrate.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
XO=$build/src/cmd/vnet-offload
progs=$build/tests/bpf/progs
. "$here/lib_vnetd.sh"

tag=vnxm$RANDOM			# xosrv helper tag, unique per run
nsg=${tag}g nsp=${tag}p
net=10.$((150 + RANDOM % 50)).$((RANDOM % 250)).
tmp=$(mktemp -d)
sock=$tmp/vnetd.sock xo=$tmp/xo.sock
nc_pid=

cleanup() {
	[ -z "$nc_pid" ] || kill "$nc_pid" 2>/dev/null || true
	vnetd_stop TERM || true
	ip netns del "$nsg" 2>/dev/null || true
	ip netns del "$nsp" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

for ns in "$nsg" "$nsp"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done

# start_switch EXTRA: vnetd with the guest's tap (offload channel) and its peer's
start_switch() {
	vnetd_start "$tmp/out" "$tmp/log" -v -s "$sock" \
		--port "tap:name=${tag}g,netns=$nsg,xdp-offload=$xo$1" \
		--port "tap:name=${tag}p,netns=$nsp"
	ip -n "$nsg" link set "${tag}g" up
	ip -n "$nsg" addr add "${net}1/24" dev "${tag}g"
	ip -n "$nsp" link set "${tag}p" up
	ip -n "$nsp" addr add "${net}2/24" dev "${tag}p"
}
ctl() { "$VNETCTL" -s "$sock" "$@"; }
# the guest's counter, as the operator reads it
drops() {
	ctl --json map dump "${tag}g" egress-guest icmp_drops | python3 -c '
import json, sys
e = json.load(sys.stdin)["entries"]
print(int.from_bytes(bytes.fromhex(e[0]["value"]), "little"))'
}

echo "# vnetd #1: the guest loads drop_icmp, pings die"
start_switch ""
ip netns exec "$nsp" busybox ping -c 1 -W 2 "${net}1"
ip netns exec "$nsg" "$XO" --device "$xo" --timeout 20 load "$progs/drop_icmp.bpf.o"
! ip netns exec "$nsp" busybox ping -c 3 -W 1 "${net}1"
n1=$(drops)
echo "drops on vnetd #1: $n1"
[ "$n1" -ge 3 ]
ctl xdp export "${tag}g" egress "$tmp/guest.xo" >"$tmp/exp.out" 2>&1
[ ! -s "$tmp/exp.out" ]		# a state change prints nothing
[ -s "$tmp/guest.xo" ]
head -c 8 "$tmp/guest.xo" | grep -q "^VNXOEXP"
vnetd_stop TERM

echo "# vnetd #2, a port whose quota the program does not fit: refused, nothing loaded"
start_switch ",xdp-offload-maps=0"
! ctl xdp import "${tag}g" egress "$tmp/guest.xo" 2>"$tmp/err"
cat "$tmp/err"
grep -q "xdp-offload-maps: object has 1 maps, limit 0" "$tmp/err"
ip netns exec "$nsp" busybox ping -c 1 -W 2 "${net}1"
vnetd_stop TERM

echo "# vnetd #2: import; pings die at once, TCP works, the counter goes on"
start_switch ""
ip netns exec "$nsp" busybox ping -c 1 -W 2 "${net}1"
ctl xdp import "${tag}g" egress "$tmp/guest.xo" >"$tmp/imp.out" 2>&1
[ ! -s "$tmp/imp.out" ]
ctl xdp list | tee "$tmp/xl"
grep -q "^${tag}g  *egress  *guest " "$tmp/xl"
[ "$(drops)" = "$n1" ]
! ip netns exec "$nsp" busybox ping -c 2 -W 1 "${net}1"
n2=$(drops)
echo "drops on vnetd #2: $n2"
[ "$n2" -ge $((n1 + 2)) ]
head -c $((1 << 20)) /dev/urandom >"$tmp/data"
nc_check "$nsp" "$nsg" "${net}1" "$tmp/data"
echo "# the guest sees its imported program"
ip netns exec "$nsg" "$XO" --device "$xo" --timeout 20 status | tee "$tmp/st"
! grep -q "^program   none" "$tmp/st"
echo "# the operator removes it: ping works"
ctl xdp detach "${tag}g" egress-guest
ip netns exec "$nsp" busybox ping -c 2 -W 2 "${net}1"
ctl stats "${tag}g" --all | tee "$tmp/stats"
vnetd_stop TERM
echo "ok"
