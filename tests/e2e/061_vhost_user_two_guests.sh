#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 061_vhost_user_two_guests.sh - two QEMU guests on two vhost-user ports of one vnetd
# exchange TCP: a random file over HTTP (md5 compared) and iperf3. Run three times:
# both guests with offloads (TSO frames cross vnetd whole); the receiver with
# --no-offloads (vnetd must segment and checksum for it in software); the receiver
# without MRG_RXBUF (64 KiB frames into its "big packets" descriptor chains).
set -euo pipefail
build=${1:?usage: 061_vhost_user_two_guests.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
. "$here/lib_vnetd.sh"
. "$here/lib_guest.sh"

tmp=$(mktemp -d)
net=10.$((150 + RANDOM % 50)).$((RANDOM % 250)).

cleanup() {
	guest_kill_all
	vnetd_stop TERM || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# $1: label, $2: whole|segmented (what vnetd must do with a's TSO frames towards b),
# $3: extra run-guest.sh option for the receiving guest (b)
run_pair() {
	local label=$1 expect=$2 bopt=${3:-} rc=0 a_md5 b_md5 b_line

	echo "### $label"
	rm -f "$tmp"/*.log "$tmp"/*.out
	vnetd_start "$tmp/out" "$tmp/log" -v \
		--port "vhost-user:name=vma,path=$tmp/a.sock" \
		--port "vhost-user:name=vmb,path=$tmp/b.sock"
	# a serves a file and one iperf3 test, then powers off
	guest_start a --vhost-user "$tmp/a.sock" --ip "${net}2/24" --mac 52:54:00:88:01:02 --cmd "
ethtool -k eth0 | grep -E '^(tx-checksumming|tcp-segmentation-offload):'
mkdir -p /www && dd if=/dev/urandom of=/www/data bs=64k count=128 2>/dev/null
echo GUEST-OUT-MD5 \$(md5sum </www/data | cut -d' ' -f1)
httpd -p 8080 -h /www
echo GUEST-SERVING
timeout 150 iperf3 -s -1"
	# b downloads it and runs iperf3 against a (a sends: -R)
	guest_start b --vhost-user "$tmp/b.sock" --ip "${net}3/24" --mac 52:54:00:88:01:03 \
		${bopt:+"$bopt"} --cmd "
ethtool -k eth0 | grep -E '^(rx-checksumming|tcp-segmentation-offload|tx-checksumming):'
ok=0; for i in \$(seq 90); do ping -c 1 -W 1 ${net}2 >/dev/null && wget -q -O /tmp/in http://${net}2:8080/data && ok=1 && break; sleep 1; done
[ \$ok = 1 ] || exit 21
echo GUEST-IN-MD5 \$(md5sum </tmp/in | cut -d' ' -f1)
iperf3 -c ${net}2 -t 4 -f m -R >/tmp/iperf.txt || { cat /tmp/iperf.txt; exit 22; }
tail -4 /tmp/iperf.txt"
	guest_wait b 220 || rc=$?
	[ "$rc" = 0 ] || { echo "guest b failed ($rc)"; guest_dump b; guest_dump a; exit 1; }
	guest_wait a 60 || rc=$?
	[ "$rc" = 0 ] || { echo "guest a failed ($rc)"; guest_dump a; exit 1; }
	tr -d '\r' <"$tmp/a.log" | sed -n '/GUEST-READY/,/GUEST-SERVING/p'
	tr -d '\r' <"$tmp/b.log" | sed -n '/GUEST-READY/,/GUEST-CMD-EXIT/p'
	a_md5=$(guest_value a GUEST-OUT-MD5)
	b_md5=$(guest_value b GUEST-IN-MD5)
	[ -n "$a_md5" ] && [ "$a_md5" = "$b_md5" ] ||
		{ echo "b got '$b_md5', a served '$a_md5'"; exit 1; }
	echo "file a -> b ok ($b_md5)"
	vnetd_stop TERM
	grep -E "closed;" "$tmp/log" | sed 's/^.*port /port /'
	# b's counters: TSO frames whole, or cut by vnetd; never dropped for it
	b_line=$(grep "port 'vmb': vhost-user: closed;" "$tmp/log")
	if grep -qE 'drop_(gso_failed|vhdr|vq|mtu)' <<<"$b_line"; then
		echo "unexpected drops on vmb: $b_line"; exit 1
	fi
	case $expect in
	whole) ! grep -q 'gso_sw_frames=' <<<"$b_line" ||
		{ echo "vnetd segmented frames for a TSO guest"; exit 1; } ;;
	segmented) grep -q 'gso_sw_frames=' <<<"$b_line" ||
		{ echo "no software segmentation for an offload-less guest"; exit 1; } ;;
	esac
}

run_pair "both guests with offloads" whole
run_pair "receiver without offloads" segmented --no-offloads
run_pair "receiver without mergeable rx buffers" whole --no-mrg-rxbuf
echo "ok"
