#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lib_switch.sh - helpers for the switch's end-to-end tests: namespaces with a
# vnetd tap each, vnetd in the background, cleanup of exactly what we made.
#
# Source it after setting BUILD (the meson build dir). Every name starts with
# $VS_TAG (vs + random number), so parallel runs and other helpers' tests
# never collide; cleanup deletes only those names and kills only our PIDs.

set -euo pipefail

VS_TAG="vs${RANDOM}"
VS_NS=()
VS_PIDS=()
VS_TMP=$(mktemp -d "/tmp/${VS_TAG}.XXXXXX")
VNETD_PID=""
VNETD="${VNETD:-${BUILD}/src/cmd/vnetd}"
VNETCTL="${VNETCTL:-${BUILD}/src/cmd/vnetctl}"

vs_cleanup() {
	local p ns
	for p in "${VS_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	if [[ -n "$VNETD_PID" ]]; then
		kill -TERM "$VNETD_PID" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$VNETD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$VNETD_PID" 2>/dev/null || true
	fi
	for ns in "${VS_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$VS_TMP"
}
trap vs_cleanup EXIT

vs_fail() {
	echo "FAIL: $*" >&2
	[[ -f "$VS_TMP/vnetd.log" ]] && { echo "--- vnetd log:" >&2; tail -30 "$VS_TMP/vnetd.log" >&2; }
	exit 1
}

# vs_wait_for SECONDS CMD... : poll CMD every 0.1 s until it succeeds
# (lib_vnetd.sh's wait_for, under the name these tests use)
. "$(dirname "${BASH_SOURCE[0]}")/lib_vnetd.sh"
vs_wait_for() {
	wait_for "$@"
}

# vs_vnetd ARGS... : start vnetd with a control socket ($VS_SOCK; logs in
# $VS_TMP/vnetd.log), wait for "vnetd: ready" and its taps
VS_SOCK="$VS_TMP/ctl.sock"
vs_vnetd() {
	# Empty the output first: 040/041 start vnetd once per case with the same
	# file, and the background shell may truncate it only after our first grep,
	# which would then see the previous case's "ready" line.
	: >"$VS_TMP/vnetd.out"
	"$VNETD" --socket "$VS_SOCK" "$@" >"$VS_TMP/vnetd.out" 2>"$VS_TMP/vnetd.log" &
	VNETD_PID=$!
	vs_wait_for 10 grep -q '^vnetd: ready$' "$VS_TMP/vnetd.out" || vs_fail "vnetd not ready"
	local a
	for a in "$@"; do
		if [[ "$a" =~ ^tap:.*name=([^,]+) ]]; then
			vs_wait_for 10 ip link show "${BASH_REMATCH[1]}" || vs_fail "vnetd did not create ${BASH_REMATCH[1]}"
		fi
	done
	kill -0 "$VNETD_PID" || vs_fail "vnetd exited"
}

# vs_stop_vnetd : SIGTERM, wait, fail on a non-zero exit
vs_stop_vnetd() {
	kill -TERM "$VNETD_PID"
	wait "$VNETD_PID" || vs_fail "vnetd exit status $?"
	VNETD_PID=""
}

# vs_stat PORT COUNTER : print one counter of a port (0 if not shown)
vs_stat() {
	"$VNETCTL" -s "$VS_SOCK" stats "$1" --all | awk -v c="$2" '$1 == c { v = $2 } END { print v + 0 }'
}

# vs_direct_tx_both : vnetd has two workers and each sent frames to the
# other's port itself (direct transmit: direct_tx in worker list); the
# list stays in $VS_TMP/workers.json
vs_direct_tx_both() {
	"$VNETCTL" -s "$VS_SOCK" --json worker list >"$VS_TMP/workers.json"
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert len(j) == 2 and all(w["direct_tx"] > 0 for w in j), j
' "$VS_TMP/workers.json" || vs_fail "no direct transmit: $(cat "$VS_TMP/workers.json")"
}

# vs_ns NAME TAP IDX : namespace NAME owning TAP, addresses 10.77.0.IDX/24 and fd77::IDX/64
vs_ns() {
	local ns=$1 tap=$2 idx=$3
	ip netns add "$ns"
	VS_NS+=("$ns")
	ip link set "$tap" netns "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "$tap" address "02:77:00:00:00:$(printf %02x "$idx")"
	ip -n "$ns" addr add "10.77.0.$idx/24" dev "$tap"
	ip -n "$ns" addr add "fd77::$idx/64" dev "$tap" nodad
	ip -n "$ns" link set "$tap" up
}

# vs_tcp_sha NS_SRC NS_DST DST_IP BYTES : stream BYTES of random data with nc,
# compare SHA-256 computed at both ends
vs_tcp_sha() {
	local src=$1 dst=$2 ip=$3 bytes=$4 port=$((20000 + RANDOM % 20000))
	ip netns exec "$dst" bash -c "timeout 120 nc -l -N -n $ip $port | sha256sum > $VS_TMP/rx.sha" &
	local rx=$!
	VS_PIDS+=("$rx")
	vs_wait_for 10 ip netns exec "$dst" bash -c "ss -ltn | grep -q ':$port '" || vs_fail "nc listener"
	ip netns exec "$src" bash -c "head -c $bytes /dev/urandom | tee >(sha256sum > $VS_TMP/tx.sha) | timeout 120 nc -N -n $ip $port" ||
		vs_fail "sender nc failed"
	wait "$rx" || vs_fail "receiver nc failed"
	vs_wait_for 10 test -s "$VS_TMP/tx.sha" || vs_fail "no sender hash"
	local a b
	a=$(cut -d' ' -f1 "$VS_TMP/tx.sha")
	b=$(cut -d' ' -f1 "$VS_TMP/rx.sha")
	echo "sent $a"
	echo "recv $b"
	[[ "$a" == "$b" ]] || vs_fail "SHA-256 differs"
	rm -f "$VS_TMP/tx.sha" "$VS_TMP/rx.sha"
}
