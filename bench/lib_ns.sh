# SPDX-License-Identifier: MIT
# lib_ns.sh - sourced by bench/tcp.sh and bench/tcp_diag.sh: namespaces,
# processes and a temporary folder that go away when the script exits.
#
# Before sourcing, set TAG (unique per run: it prefixes every name) and NET
# (the third octet of 10.NET.0.0/24 and the fifth byte of the MACs), and T
# (seconds per iperf3 run) before calling iperf. Gives NSS/PIDS/VNETD_PID/TMP,
# cleanup (trapped on EXIT), die, mkns, addr, iperf, and wait_for from
# tests/e2e/lib_vnetd.sh.
#
# CC=NAME (environment) makes every iperf3 sender use that TCP congestion
# control (iperf3 -C); unset, the namespaces' default, which a new
# namespace takes from the host (cubic on most distributions, bbr on some).
# It matters: bbr paces a single stream and caps it well below what cubic
# reaches on the same path, which hides what the forwarder costs.
# TCP_CC says which one runs (print it with the figures).
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

TCP_CC=${CC:-$(sysctl -n net.ipv4.tcp_congestion_control 2>/dev/null || echo unknown)}
[[ -n "${CC:-}" ]] && TCP_CC_NOTE="$TCP_CC (CC=)" || TCP_CC_NOTE="$TCP_CC (this host's default)"
IPERF_CC=()
[[ -n "${CC:-}" ]] && IPERF_CC=(-C "$CC")

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

# median LIST...: the median of the numbers given
median() {
	python3 -c 'import statistics, sys; print("%.2f" % statistics.median(map(float, sys.argv[1:])))' "$@"
}

# iperf NS_CLIENT NS_SERVER [ARGS...]: T seconds of iperf3 TCP to 10.NET.0.2
# (in NS_SERVER), ARGS added to the client's (-R: the server sends); sets
# GBPS and BYTES received (globals: no subshells, so the cleanup list stays
# complete)
iperf() {
	ip netns exec "$2" iperf3 -s -1 -B "10.$NET.0.2" >/dev/null 2>&1 &
	PIDS+=($!)
	wait_for 10 ip netns exec "$2" bash -c "ss -ltn | grep -q ':5201 '" || die "iperf3 server"
	ip netns exec "$1" timeout $((T + 30)) iperf3 -c "10.$NET.0.2" -t "$T" "${IPERF_CC[@]}" "${@:3}" -J > "$TMP/iperf.json" ||
		die "iperf3 client failed"
	read -r GBPS BYTES < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["end"]["sum_received"]
print("%.2f %d" % (d["bits_per_second"] / 1e9, d["bytes"]))' "$TMP/iperf.json")
}
