#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 064_vhost_user_guest_mq.sh - a QEMU guest with two queue pairs on a vhost-user
# port (queues=2) and a namespace behind a tap: the guest turns both pairs on
# (ethtool -L), runs 16 parallel iperf3 TCP flows each way, and its per-queue
# counters show that vnetd delivered into both receive queues and took frames
# from both transmit queues, and so do vnetctl stats' per-queue counters
# (guest_rxK_buffers, guest_txK_chains). 16 flows: a hash that put all of
# them on one queue by chance would do so once in 2^15 runs. Then the guest
# goes back to one pair (ethtool -L combined 1): more TCP both ways moves
# only queue 0's counters; and to two again, and ping still works.
set -euo pipefail
build=${1:?usage: 064_vhost_user_guest_mq.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
. "$here/lib_vnetd.sh"
. "$here/lib_guest.sh"

tag=vnmq$$
ns=${tag}n tap=${tag}t
net=10.$((50 + RANDOM % 50)).$((RANDOM % 250)).
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
	--port "vhost-user:name=vm0,path=$tmp/vm0.sock,queues=2" --port "tap:name=$tap"
tap_into_ns "$ns" "$tap" "${net}1/24"
ip netns exec "$ns" iperf3 -s >"$tmp/iperf3-s.log" 2>&1 &
pids+=($!)
wait_for 10 ip netns exec "$ns" sh -c 'ss -ltn | grep -q ":5201 "' || { echo "iperf3 not listening"; exit 1; }

# one vCPU: the driver starts with one pair in use; ethtool -L turns on both
gcmd="ethtool -L eth0 combined 2 || exit 11
echo GUEST-COMBINED \$(ethtool -l eth0 | awk '/^Combined:/ { n = \$2 } END { print n }')
iperf3 -c ${net}1 -t 3 -P 16 -R -f m | tail -3 || exit 12
iperf3 -c ${net}1 -t 3 -P 16 -f m | tail -3 || exit 13
ethtool -S eth0 | sed -n 's/^ *\\([rt]x_queue_[01]_packets\\): /GUEST-\\1 /p'
echo GUEST-TWO-DONE
timeout 90 nc -l -p 5002 >/dev/null
ethtool -L eth0 combined 1 || exit 14
echo GUEST-COMBINED-NOW \$(ethtool -l eth0 | awk '/^Combined:/ { n = \$2 } END { print n }')
timeout 90 nc -l -p 5002 >/dev/null
iperf3 -c ${net}1 -t 2 -P 8 -R -f m | tail -1 || exit 15
iperf3 -c ${net}1 -t 2 -P 8 -f m | tail -1 || exit 16
echo GUEST-ONE-DONE
timeout 90 nc -l -p 5002 >/dev/null
ethtool -L eth0 combined 2 || exit 17
ping -c 3 -W 5 ${net}1 >/dev/null || exit 18"

# vnetctl stats' counter NAME of port vm0
vstat() {
	"$VNETCTL" -s "$tmp/ctl.sock" --json stats vm0 |
		python3 -c "import json, sys; print(json.load(sys.stdin)[0]['counters'].get('$1', 0))"
}
release() {	# the guest waits in nc -l on 5002
	ip netns exec "$ns" busybox nc -w 5 "${net}2" 5002 </dev/null || true
}

echo "# a two-queue-pair guest on vhost-user, 16 TCP flows each way"
guest_start g0 --vhost-user "$tmp/vm0.sock" --queues 2 --ip "${net}2/24" --cmd "$gcmd"
guest_wait_line g0 GUEST-TWO-DONE 200
declare -A c1 c2
for k in guest_rx0_buffers guest_rx1_buffers guest_tx0_chains guest_tx1_chains; do
	c1[$k]=$(vstat $k)
	echo "vnetctl stats: $k ${c1[$k]}"
	[ "${c1[$k]}" -gt 0 ] || { echo "vnetctl stats: $k is 0 with two pairs"; exit 1; }
done
echo "# back to one queue pair"
release
guest_wait_line g0 GUEST-COMBINED-NOW 60
sleep 1
# counted from here: the frames of the release above may have used pair 1
for k in guest_rx0_buffers guest_rx1_buffers guest_tx0_chains guest_tx1_chains; do
	c1[$k]=$(vstat $k)
done
release
guest_wait_line g0 GUEST-ONE-DONE 120
for k in guest_rx0_buffers guest_rx1_buffers guest_tx0_chains guest_tx1_chains; do
	c2[$k]=$(vstat $k)
	echo "vnetctl stats: $k ${c2[$k]} (+$((c2[$k] - c1[$k])))"
done
[ "$(guest_value g0 GUEST-COMBINED-NOW)" = 1 ] || { echo "ethtool -L combined 1 did not take"; exit 1; }
[ "${c2[guest_rx1_buffers]}" = "${c1[guest_rx1_buffers]}" ] &&
	[ "${c2[guest_tx1_chains]}" = "${c1[guest_tx1_chains]}" ] ||
	{ echo "queue pair 1 carried frames after the guest turned it off"; exit 1; }
[ "${c2[guest_rx0_buffers]}" -gt "${c1[guest_rx0_buffers]}" ] &&
	[ "${c2[guest_tx0_chains]}" -gt "${c1[guest_tx0_chains]}" ] ||
	{ echo "queue pair 0 carried nothing with one pair"; exit 1; }
echo "# two pairs again"
release
rc=0
guest_wait g0 200 || rc=$?
tr -d '\r' <"$tmp/g0.log" | sed -n '/GUEST-READY/,/GUEST-CMD-EXIT/p'
[ "$rc" = 0 ] || { echo "guest command failed: $rc"; guest_dump g0; exit 1; }
[ "$(guest_value g0 GUEST-COMBINED)" = 2 ] || { echo "guest does not use two queue pairs"; exit 1; }
for q in rx_queue_0 rx_queue_1 tx_queue_0 tx_queue_1; do
	n=$(guest_value g0 "GUEST-${q}_packets")
	[ "${n:-0}" -gt 0 ] || { echo "guest $q carried no frames (${n:-none})"; exit 1; }
	echo "$q: $n frames"
done

echo "# vnetd shuts down cleanly"
vnetd_stop TERM
grep "port 'vm0'" "$tmp/log" | tail -2 | sed 's/^.*port /port /'
echo "ok"
