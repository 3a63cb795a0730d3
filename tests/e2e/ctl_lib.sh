# SPDX-License-Identifier: MIT
# ctl_lib.sh - shared setup for the ctl end-to-end tests (sourced, not run)
#
# Starts vnetd with a control socket in a private directory, creates taps
# through vnetctl, moves them into namespaces this test creates, and
# cleans up only what it created, even on failure.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR}
build=$(cd "$build" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
tag=vc$RANDOM			# unique per run: names below stay under 15 chars
dir=$(mktemp -d /tmp/vn-ctl-e2e.XXXXXX)
sock=$dir/vnetd.sock
log=$dir/vnetd.log
vnetd_pid=
netns=()
pids=()

ctl() { "$VNETCTL" -s "$sock" "$@"; }
fail() { echo "FAIL: $*" >&2; echo "--- vnetd log" >&2; tail -30 "$log" >&2 || true; exit 1; }
note() { echo "--- $*"; }

cleanup() {
	local p ns
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ -n "$vnetd_pid" ]; then
		kill "$vnetd_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$vnetd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$vnetd_pid" 2>/dev/null || true
	fi
	for ns in "${netns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT

# start_vnetd [ARGS...]: run vnetd in the background, wait for its socket (10 s)
start_vnetd() {
	"$VNETD" --socket "$sock" "$@" >"$log" 2>&1 &
	vnetd_pid=$!
	for _ in $(seq 100); do
		ctl version >/dev/null 2>&1 && return 0
		kill -0 "$vnetd_pid" 2>/dev/null || fail "vnetd exited at start"
		sleep 0.1
	done
	fail "vnetd socket did not come up in 10 s"
}

# ns_tap NS TAP ADDR: move a tap vnetd opened into a new namespace, address it
ns_tap() {
	ip netns add "$1"
	netns+=("$1")
	ip link set "$2" netns "$1"
	# no IPv6 autoconfiguration chatter: FDB checks expect only our traffic
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
		"net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$1" link set lo up
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" link set "$2" up
}

# json EXPR: run a python expression on the JSON read from stdin (as j)
json() { python3 -c "import json,sys; j=json.load(sys.stdin); r=($1); sys.exit(0 if r else 1)"; }
jget() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

# ctl_fails RC MESSAGE ARGS...: "vnetctl -s SOCK ARGS" exits RC and its
# stderr starts with the line MESSAGE, exactly
ctl_fails() {
	local want_rc=$1 want=$2 rc=0 out
	shift 2
	out=$(ctl "$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" -eq "$want_rc" ] && [ "$(head -1 <<<"$out")" = "$want" ] ||
		fail "vnetctl $*: expected rc $want_rc and '$want', got rc $rc: $out"
}
