# SPDX-License-Identifier: MIT
# lib_vnetd.sh - helpers for e2e scripts that run vnetd (source it; bash)
#
# vnetd_start OUT LOG ARGS...   start vnetd in the background, wait for
#                               "vnetd: ready" (10 s max); sets VNETD_PID
# vnetd_stop [SIG]              signal it (TERM) and wait (10 s max);
#                               returns its exit status
# wait_for SECS CMD...          retry CMD every 0.1 s until it succeeds

VNETD_PID=

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
