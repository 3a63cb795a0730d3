#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 067_vhost_user_migrate.sh - live migration of a QEMU guest between two QEMU
# processes, each on its own vhost-user port of one vnetd (vm-a, vm-b), with
# a namespace behind a tap. While the guest downloads a file from the
# namespace again and again (md5 of every copy printed) and the namespace
# pings the guest every 0.1 s, the source QEMU migrates it over a unix
# socket to the destination QEMU (-incoming), with the bandwidth capped so
# that the copy of RAM takes a second or two. Once QEMU has copied RAM once,
# the namespace also sends 1 MiB over TCP to a guest process that reads
# nothing for 10 s: that data waits in receive buffers vnetd wrote after QEMU
# had copied them. Afterwards that md5 and every downloaded copy, before,
# during and after, are right; vnetd logged dirty pages for vm-a
# (VHOST_F_LOG_ALL, LOG_SHMFD); the guest goes on on the destination
# (downloads, then a ping); the ping from the namespace lost at most a few
# replies; and the FDB has the guest's MAC on vm-b (the guest announced
# itself: GUEST_ANNOUNCE). With ANNOUNCE "rarp" (068 runs it so) the NIC has
# guest_announce=off: the destination QEMU sends SEND_RARP instead and vnetd's
# RARP broadcast for the guest must be what moved its MAC.
# With ANNOUNCE "tap" it is the control run, without vnetd: the same guests,
# migration and checks of the data, but each QEMU on its own kernel tap (its
# own virtio-net, no vhost) on a Linux bridge with the namespace's veth. It
# says whether a wrong copy on the destination needs vnetd at all.
# What the md5s can show: with mergeable receive buffers (the default) the
# Linux driver itself writes into every receive page (it builds the skb in
# the buffer), so QEMU resends those pages with or without vnetd's log; the
# held data came out wrong without the log in 3 of 3 runs only with
# --no-mrg-rxbuf, which is not used here (see docs/TESTING.md).
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 067_vhost_user_migrate.sh BUILD_DIR [guest|rarp|tap]}
announce=${2:-guest}
case $announce in
guest | tap) nic=() ;;
rarp) nic=(--nic-opt guest_announce=off) ;;
*) echo "announce: guest, rarp or tap, not $announce"; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
. "$here/lib_vnetd.sh"
. "$here/lib_guest.sh"
guest_rerun_on_kernel_failure "$@"

tag=vnmg$RANDOM			# helper tag, unique per run
ns=${tag}n tap=${tag}t
net=10.$((100 + RANDOM % 50)).$((RANDOM % 250)).
mac=52:54:00:67:00:01
tmp=$(mktemp -d)
pids=()

cleanup() {
	local rc=$? kernel_failed=
	[ "$rc" = 0 ] || ! guest_kernel_failed dst || kernel_failed=1
	if [ "$rc" != 0 ]; then
		echo "--- vnetd's warnings:"
		grep -E "warn|error" "$tmp/log" | tail -20 || true
		echo "--- what vnetd logged of the two guest ports (vhost-user requests, rings, log):"
		grep -E "'vm-[ab]'" "$tmp/log" | tail -60 || true
	fi >&2
	guest_kill_all
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	vnetd_stop TERM || true
	ip netns del "$ns" 2>/dev/null || true
	if [ "$announce" = tap ]; then
		for l in "${tag}a" "${tag}b" "${tag}v" "${tag}br"; do ip link del "$l" 2>/dev/null || true; done
	fi
	rm -rf "$tmp"
	[ -z "$kernel_failed" ] || exit "$GUEST_KERNEL_RC"
}
trap cleanup EXIT

ip netns add "$ns"
if [ "$announce" = tap ]; then
	# the control: a bridge, the namespace's veth and one kernel tap per QEMU
	: >"$tmp/log"
	ip link add "${tag}br" type bridge
	ip link set "${tag}br" up
	ip link add "${tag}v" type veth peer name "$tap" netns "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "$tap" up
	ip -n "$ns" addr add "${net}1/24" dev "$tap"
	for l in "${tag}v" "${tag}a" "${tag}b"; do
		[ "$l" = "${tag}v" ] || ip tuntap add dev "$l" mode tap
		ip link set "$l" master "${tag}br" up
	done
	src_net=(--tap "${tag}a") dst_net=(--tap "${tag}b")
else
	vnetd_start "$tmp/out" "$tmp/log" -v --socket "$tmp/ctl.sock" \
		--port "vhost-user:name=vm-a,path=$tmp/a.sock" \
		--port "vhost-user:name=vm-b,path=$tmp/b.sock" --port "tap:name=$tap"
	tap_into_ns "$ns" "$tap" "${net}1/24"
	src_net=(--vhost-user "$tmp/a.sock") dst_net=(--vhost-user "$tmp/b.sock")
fi

mkdir "$tmp/www"
head -c $((4 << 20)) /dev/urandom >"$tmp/www/data"
host_md5=$(md5sum <"$tmp/www/data" | cut -d' ' -f1)
head -c $((1 << 20)) /dev/urandom >"$tmp/held"
held_md5=$(md5sum <"$tmp/held" | cut -d' ' -f1)
# the guest's receiver: reads nothing for 10 s, then the 1 MiB
cat >"$tmp/hold.sh" <<'HOLD'
#!/bin/sh
sleep 10
echo "GUEST-HELD-MD5 $(head -c 1048576 | md5sum | cut -d' ' -f1)" >/dev/console
HOLD
chmod +x "$tmp/hold.sh"
ip netns exec "$ns" busybox httpd -f -p 8080 -h "$tmp/www" &
pids+=($!)
wait_for 10 ip netns exec "$ns" sh -c 'ss -ltn | grep -q ":8080 "' || { echo "httpd not listening"; exit 1; }

# Until the namespace serves /stop (after the migration), at most 300 rounds
# (a 4 MiB receive buffer from the start: the held data stays where vnetd put it,
# TCP does not collapse it into fresh memory)
gcmd="echo '4096 4194304 8388608' >/proc/sys/net/ipv4/tcp_rmem
nc -l -p 5003 -e /hold.sh &
echo GUEST-HOLD-READY
i=0
while [ \$i -lt 300 ]; do
	if wget -q -O /tmp/in http://${net}1:8080/data; then
		m=\$(md5sum </tmp/in | cut -d' ' -f1)
		echo GUEST-MD5 \$i \$m \$(wc -c </tmp/in)
		# the first wrong copy: a digest per 4 KiB page, to say where it differs
		if [ \$m != $host_md5 ] && [ ! -e /tmp/bad ]; then
			touch /tmp/bad
			p=0
			while [ \$p -lt 1024 ]; do
				echo GUEST-PAGE \$i \$p \$(dd if=/tmp/in bs=4096 skip=\$p count=1 2>/dev/null |
					md5sum | cut -c1-12)
				p=\$((p + 1))
			done
		fi
	else
		echo GUEST-WGET-FAILED \$i
		sleep 0.2
	fi
	i=\$((i + 1))
	wget -q -O /tmp/stop http://${net}1:8080/stop 2>/dev/null && break
done
ping -c 3 -W 5 ${net}1 >/dev/null || exit 11
echo GUEST-DONE \$i"

# Source and destination: the same machine, NIC and command (-incoming waits for the state)
common=(--ip "${net}2/24" --mac "$mac" "${nic[@]}" --file "$tmp/hold.sh:/hold.sh" --cmd "$gcmd")
# corrupt_report: what a wrong copy tells. Which 4 KiB pages of the first
# wrong copy differ from the file (page-aligned runs point at guest memory
# that missed the dirty log; scattered bytes at a frame), and both ports'
# state and counters as they were while the destination ran, to compare
# the source's offload state with the destination's.
corrupt_report() {
	local first
	first=$(awk '/^GUEST-PAGE / { print $2; exit }' "$tmp/all.log")
	if [ -n "$first" ]; then
		for p in $(seq 0 1023); do
			dd if="$tmp/www/data" bs=4096 skip="$p" count=1 2>/dev/null | md5sum | cut -c1-12
		done >"$tmp/pages.host"
		grep "^GUEST-PAGE $first " "$tmp/all.log" | cut -d' ' -f4 >"$tmp/pages.guest"
		zero=$(head -c 4096 /dev/zero | md5sum | cut -c1-12)
		echo "copy $first: pages that differ from the file (of $(wc -l <"$tmp/pages.guest") read back),"
		echo "as runs FIRST-LAST, each with what the first page holds instead:"
		paste -d' ' "$tmp/pages.host" "$tmp/pages.guest" | awk -v zero="$zero" '
			{ host[NR - 1] = $1; guest[NR - 1] = $2; at[$1] = NR - 1 }
			function what(p) {
				if (guest[p] == zero) return "zeros"
				if (guest[p] in at) return "the file'"'"'s page " at[guest[p]]
				return "bytes not in the file (page digest " guest[p] ")"
			}
			END {
				s = -1
				for (p = 0; p <= NR; p++) {
					bad = p < NR && host[p] != guest[p]
					if (bad && s < 0) s = p
					if (!bad && s >= 0) { printf "  %d-%d: %s\n", s, p - 1, what(s); s = -1 }
				}
			}'
		echo "wrong copies by digest:"
		grep '^GUEST-MD5 ' "$tmp/all.log" | awk -v m="$host_md5" '$3 != m { n[$3]++ }
			END { for (d in n) printf "  %s: %d copies\n", d, n[d] }'
	fi
	echo "--- the ports while the destination ran (features, offloads, counters):"
	cat "$tmp/ports.during" 2>/dev/null || true
}

echo "# boot the source guest on vm-a"
guest_start src "${src_net[@]}" "${common[@]}" \
	--qemu -qmp --qemu "unix:$tmp/qmp-src.sock,server=on,wait=off"
echo "# start the destination QEMU on vm-b, waiting for the migration"
guest_start dst "${dst_net[@]}" "${common[@]}" \
	--qemu -incoming --qemu "unix:$tmp/mig.sock"
guest_wait_line src 'GUEST-MD5 1 ' 200
tr -d '\r' <"$tmp/src.log" | grep -q GUEST-HOLD-READY || { echo "no hold listener"; guest_dump src; exit 1; }
wait_for 20 test -S "$tmp/mig.sock" || { echo "destination not listening"; exit 1; }

echo "# migrate (64 MiB/s) while the guest downloads, the namespace pings it and sends it 1 MiB"
ip netns exec "$ns" busybox ping -i 0.1 -c 1000 -W 1 "${net}2" >"$tmp/ping.log" 2>&1 &
ping_pid=$!
sleep 1
python3 "$here/qmp_migrate.py" "$tmp/qmp-src.sock" "unix:$tmp/mig.sock" 120 $((64 << 20)) \
	"$tmp/pass1" >"$tmp/mig.out" &
mig_pid=$!
# once QEMU has copied RAM once: what vnetd writes now only the dirty log carries over
wait_for 60 test -e "$tmp/pass1" || echo "(the migration ended before its second pass)"
ip netns exec "$ns" busybox nc -w 30 "${net}2" 5003 <"$tmp/held" >/dev/null 2>&1 &
pids+=($!)
wait "$mig_pid" || true
cat "$tmp/mig.out"
grep -q "migration: completed" "$tmp/mig.out" || { echo "migration did not complete"; exit 1; }
[ "$announce" = tap ] || grep -q "port 'vm-a': vhost-user: dirty logging on" "$tmp/log" ||
	{ echo "QEMU migrated without vnetd's dirty log"; exit 1; }

echo "# the guest carries on on the destination"
n_before=$(tr -d '\r' <"$tmp/src.log" | grep -c '^GUEST-MD5 ' || true)
guest_wait_line dst "^GUEST-MD5 $((n_before + 3)) " 120
# both ports while the destination runs, for corrupt_report
[ "$announce" = tap ] || {
	"$VNETCTL" -s "$tmp/ctl.sock" port list
	for p in vm-a vm-b; do "$VNETCTL" -s "$tmp/ctl.sock" stats "$p"; done
} >"$tmp/ports.during" 2>&1 || true
guest_wait_line dst '^GUEST-HELD-MD5 ' 60
sleep 1
# the ping's statistics, before the guest stops
kill -INT "$ping_pid" 2>/dev/null || true
wait "$ping_pid" || true
touch "$tmp/www/stop"
guest_wait_line dst 'GUEST-DONE' 120
rc=0
guest_wait dst 60 || rc=$?
[ "$rc" = 0 ] || { echo "guest command failed on the destination: $rc"; guest_dump dst; exit 1; }
tail -3 "$tmp/ping.log"

echo "# every copy the guest got is intact (source console, then destination's)"
tr -d '\r' <"$tmp/src.log" >"$tmp/all.log"
tr -d '\r' <"$tmp/dst.log" >>"$tmp/all.log"
copies=$(grep -c '^GUEST-MD5 ' "$tmp/all.log")
bad=$(grep '^GUEST-MD5 ' "$tmp/all.log" | awk -v m="$host_md5" '$3 != m' | wc -l)
after=$(tr -d '\r' <"$tmp/dst.log" | grep -c '^GUEST-MD5 ' || true)
echo "copies: $copies ($n_before on the source console, $after on the destination's), bad: $bad"
if [ "$bad" != 0 ]; then
	grep '^GUEST-MD5 ' "$tmp/all.log" | awk -v m="$host_md5" '$3 != m'
	corrupt_report
	exit 1
fi
[ "$after" -ge 3 ] || { echo "the guest did not go on downloading after the migration"; exit 1; }
held=$(guest_value dst GUEST-HELD-MD5)
echo "held through the migration: $held (sent $held_md5)"
[ "$held" = "$held_md5" ] ||
	{ echo "data held in guest memory across the migration is corrupt"; corrupt_report; exit 1; }
! grep -q '^GUEST-WGET-FAILED' "$tmp/all.log" || echo "(some downloads failed and were retried)"

echo "# the ping lost at most a few replies"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$tmp/ping.log")
recv=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "$tmp/ping.log")
lost=$((sent - recv))
echo "ping: $sent sent, $recv received, $lost lost"
[ "$sent" -ge 20 ] && [ "$lost" -le 10 ] || { echo "too many lost"; exit 1; }
if [ "$announce" = tap ]; then
	echo "ok (control: no vnetd)"
	exit 0
fi

echo "# the FDB has the guest on vm-b"
"$VNETCTL" -s "$tmp/ctl.sock" fdb show | tee "$tmp/fdb"
grep -i "$mac" "$tmp/fdb" | grep -qw "vm-b" || { echo "guest MAC not on vm-b"; exit 1; }

vnetd_stop TERM
grep -E "vm-a|vm-b" "$tmp/log" | grep -E "dirty|RARP|closed|stops at|starts at" || true
grep -qE "port 'vm-a': vhost-user: dirty log: [1-9][0-9]* page writes logged" "$tmp/log" ||
	{ echo "vnetd logged no dirty pages for vm-a"; exit 1; }
if [ "$announce" = rarp ]; then
	grep -q "port 'vm-b': vhost-user: migrated guest $mac: announcing it (RARP)" "$tmp/log" ||
		{ echo "no SEND_RARP on vm-b"; exit 1; }
fi
echo "ok"
