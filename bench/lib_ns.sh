# SPDX-License-Identifier: MIT
# lib_ns.sh - sourced by bench/tcp.sh and bench/tcp_diag.sh: namespaces,
# processes and a temporary folder that go away when the script exits.
#
# Before sourcing, set TAG (unique per run: it prefixes every name) and NET
# (the third octet of 10.NET.0.0/24 and the fifth byte of the MACs). Gives
# NSS/PIDS/VNETD_PID/TMP, cleanup (trapped on EXIT), die, mkns, addr, and
# wait_for from tests/e2e/lib_vnetd.sh.
NSS=()
PIDS=()
VNETD_PID=""
TMP=$(mktemp -d "/tmp/$TAG.XXXXXX")

cleanup() {
	local p n
	for p in "${PIDS[@]}" $VNETD_PID; do
		kill "$p" 2>/dev/null || true
	done
	[[ -n "$VNETD_PID" ]] && { wait "$VNETD_PID" 2>/dev/null || true; }
	for n in "${NSS[@]}"; do
		ip netns del "$n" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# wait_for SECS CMD...: shared with the e2e tests
. "$(dirname "${BASH_SOURCE[0]}")/../tests/e2e/lib_vnetd.sh"

# mkns NAME: a namespace with lo up, deleted at exit
mkns() {
	ip netns add "$1"
	NSS+=("$1")
	ip -n "$1" link set lo up
}

# addr NS IF IDX: MAC 02:NET:00:00:00:0IDX, 10.NET.0.IDX/24, link up
addr() {
	ip -n "$1" link set "$2" address "02:$NET:00:00:00:0$3"
	ip -n "$1" addr add "10.$NET.0.$3/24" dev "$2"
	ip -n "$1" link set "$2" up
}
