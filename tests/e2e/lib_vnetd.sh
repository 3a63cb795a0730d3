# SPDX-License-Identifier: MIT
# lib_vnetd.sh - helpers for e2e scripts that run vnetd (source it; bash)
#
# vnetd_start OUT LOG ARGS...   start vnetd in the background, wait for
#                               "vnetd: ready" (10 s max); sets VNETD_PID
# vnetd_stop [SIG]              signal it (TERM) and wait (10 s max);
#                               returns its exit status
# wait_for SECS CMD...          retry CMD every 0.1 s until it succeeds
# tap_into_ns NS TAP ADDR       move vnetd's tap TAP into namespace NS, up,
#                               with ADDR (A.B.C.D/NN); lo up too
# nc_check SRC_NS DST_NS ADDR FILE
#                               send FILE by TCP (nc, port 5001, 60 s max)
#                               from SRC_NS to ADDR in DST_NS; fails unless
#                               the bytes arrived whole; sets nc_pid while the
#                               listener runs (for the caller's cleanup)

VNETD_PID=

tap_into_ns() {
	ip link set "$2" netns "$1"
	ip -n "$1" link set lo up
	ip -n "$1" link set "$2" up
	ip -n "$1" addr add "$3" dev "$2"
}

nc_check() {
	local src=$1 dst=$2 addr=$3 file=$4
	ip netns exec "$dst" timeout 60 nc -l -N "$addr" 5001 >"$file.recv" &
	nc_pid=$!
	wait_for 10 ip netns exec "$dst" sh -c 'ss -ltn | grep -q ":5001 "'
	timeout 60 ip netns exec "$src" nc -N "$addr" 5001 <"$file"
	wait "$nc_pid"
	nc_pid=
	cmp "$file" "$file.recv"
}

wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

vnetd_start() {
	local out=$1 log=$2
	shift 2
	# Empty OUT before starting: the background shell may open (and truncate)
	# it only after the first grep, which would then see an old "ready" line.
	: >"$out"
	"$VNETD" "$@" >"$out" 2>"$log" &
	VNETD_PID=$!
	if ! wait_for 10 grep -q '^vnetd: ready$' "$out"; then
		echo "vnetd did not become ready; its log:" >&2
		cat "$log" >&2
		return 1
	fi
}

vnetd_stop() {
	local sig=${1:-TERM} i rc=0
	[ -n "$VNETD_PID" ] || return 0
	kill -"$sig" "$VNETD_PID" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$VNETD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$VNETD_PID" 2>/dev/null; then
		echo "vnetd (pid $VNETD_PID) did not exit within 10 s of SIG$sig" >&2
		kill -KILL "$VNETD_PID" 2>/dev/null || true
		wait "$VNETD_PID" 2>/dev/null || true
		VNETD_PID=
		return 124
	fi
	wait "$VNETD_PID" || rc=$?
	VNETD_PID=
	return $rc
}
