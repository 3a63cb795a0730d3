#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 043_switch_backpressure.sh - a slow receiver behind vnetd (default policy,
# block) loses nothing: 48 MiB over TCP to a reader that takes 16 KiB every
# 2 ms, through offload-on and offload-off taps (the sender floods vnetd
# faster than the receiver drains); SHA-256 equal at both ends and vnetd's
# drop_tx_full / drop_no_buffer counters zero on every port.
#
# usage: 043_switch_backpressure.sh BUILD_DIR
BUILD=$1
source "$(dirname "$0")/lib_switch.sh"

a="${VS_TAG}a"
b="${VS_TAG}b"
vs_vnetd --port "tap:name=$a,offload=on" --port "tap:name=$b,offload=off"
vs_ns "${VS_TAG}n1" "$a" 1
vs_ns "${VS_TAG}n2" "$b" 2

ip netns exec "${VS_TAG}n2" timeout 120 python3 -c '
import hashlib, socket, sys, time
s = socket.socket()
s.bind(("10.77.0.2", 7008))
s.listen(1)
c, _ = s.accept()
h = hashlib.sha256()
while True:
    d = c.recv(16384)
    if not d:
        break
    h.update(d)
    time.sleep(0.002)
print(h.hexdigest())' > "$VS_TMP/rx.sha" &
rx=$!
VS_PIDS+=("$rx")
vs_wait_for 10 ip netns exec "${VS_TAG}n2" bash -c "ss -ltn | grep -q ':7008 '" || vs_fail "slow reader"
ip netns exec "${VS_TAG}n1" bash -c "head -c 48M /dev/urandom | tee >(sha256sum | cut -d' ' -f1 > $VS_TMP/tx.sha) | timeout 120 nc -N -n 10.77.0.2 7008" ||
	vs_fail "sender"
wait "$rx" || vs_fail "slow reader failed"
vs_wait_for 10 test -s "$VS_TMP/tx.sha" || vs_fail "no sender hash"
echo "sent $(cat "$VS_TMP/tx.sha")"
echo "recv $(cat "$VS_TMP/rx.sha")"
[[ "$(cat "$VS_TMP/tx.sha")" == "$(cat "$VS_TMP/rx.sha")" ]] || vs_fail "SHA-256 differs"
for p in "$a" "$b"; do
	for c in drop_tx_full drop_no_buffer; do
		v=$(vs_stat "$p" "$c")
		echo "$p $c $v"
		[[ "$v" == 0 ]] || vs_fail "$p: $c = $v"
	done
done
vs_stop_vnetd
echo PASS
