#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 062_vhost_user_client_reconnect.sh - QEMU listens (run-guest.sh --vu-server), vnetd
# connects (client=on). The guest pings a namespace behind a tap on the same vnetd;
# then vnetd is stopped and started again while the guest keeps pinging: vnetd must
# find QEMU's socket again, QEMU must set the device up again, and pings resume.
set -euo pipefail
build=${1:?usage: 062_vhost_user_client_reconnect.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
. "$here/lib_vnetd.sh"
. "$here/lib_guest.sh"

tag=vnvr$RANDOM			# vhost-user helper tag, unique per run
ns=${tag}n tap=${tag}t
net=10.$((200 + RANDOM % 50)).$((RANDOM % 250)).
tmp=$(mktemp -d)

cleanup() {
	guest_kill_all
	vnetd_stop TERM || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

start_switch() {
	vnetd_start "$tmp/out" "$tmp/log.$1" -v \
		--port "vhost-user:name=vm0,path=$tmp/vm0.sock,client=on" --port "tap:name=$tap"
	ip link set "$tap" netns "$ns"
	ip -n "$ns" link set "$tap" up
	ip -n "$ns" addr add "${net}1/24" dev "$tap"
}

ip netns add "$ns"
ip -n "$ns" link set lo up

gcmd="for i in \$(seq 120); do ping -c 1 -W 1 ${net}1 >/dev/null && { echo GUEST-PING1-OK; break; }; done
fails=0
for i in \$(seq 200); do
  if ping -c 1 -W 1 ${net}1 >/dev/null; then
    [ \$fails -gt 0 ] && { echo GUEST-PING2-OK after \$fails failures; exit 0; }
  else
    [ \$fails -eq 0 ] && echo GUEST-PING-FAILED
    fails=\$((fails + 1))
  fi
  sleep 0.2
done
exit 1"

echo "# QEMU listens (server=on,wait=on), then vnetd connects as a client"
guest_start g0 --vhost-user "$tmp/vm0.sock" --vu-server --ip "${net}2/24" --cmd "$gcmd"
wait_for 60 test -S "$tmp/vm0.sock" || { guest_dump g0; exit 1; }
start_switch 1
guest_wait_line g0 'GUEST-PING1-OK' 200

echo "# stop vnetd: the guest's pings fail; start it again: they come back"
vnetd_stop TERM
# restart only once the guest has seen a ping fail (not after a fixed sleep:
# a guest slowed down by a loaded host may not have pinged in that time)
guest_wait_line g0 'GUEST-PING-FAILED' 60
start_switch 2
guest_wait_line g0 'GUEST-PING2-OK' 120
rc=0
guest_wait g0 60 || rc=$?
[ "$rc" = 0 ] || { echo "guest command failed: $rc"; guest_dump g0; exit 1; }
tr -d '\r' <"$tmp/g0.log" | grep -E 'GUEST-(READY|PING)'
grep -hE "vm0.*(connected|gone|closed)" "$tmp"/log.* | sed 's/^.*port /port /'
vnetd_stop TERM
echo "ok"
