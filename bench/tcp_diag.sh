#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tcp_diag.sh - where a single TCP stream's time goes: through vnetd or the Linux bridge
#
# bench/tcp.sh says how fast; this says why. One single-stream iperf3 run
# between two namespaces it creates, through vnetd (with the vnetd options
# given) or through the Linux bridge with veth, printing:
#   - Gbit/s;
#   - CPU use of vnetd (utime + stime), the iperf3 sender and the receiver
#     (iperf3's own figures), and of the whole machine (user, sys, softirq,
#     idle, from /proc/stat), in % of one CPU;
#   - the worker thread's migrations between CPUs, sleeps (voluntary
#     switches) and preemptions (involuntary) per second, from
#     /proc/PID/task/TID/sched;
#   - where the worker and the sender ran: the CPU each last ran on (field
#     39 of /proc/.../stat), read every 0.1 s, counting how often they were
#     the same CPU.
# Everything lives in namespaces this script creates; nothing is left behind.
#
# usage: bench/tcp_diag.sh BUILD_DIR [SECONDS (10) [vnetd (default) [on|off] [VNETD OPTIONS...]]]
#        bench/tcp_diag.sh BUILD_DIR SECONDS bridge
#        bench/tcp_diag.sh BUILD_DIR SECONDS naive   (bench_naive_fwd, bench/tcp.sh's peer f)
#        (root; needs iperf3, busybox). E.g.:
#        bench/tcp_diag.sh build 10 vnetd on
#        bench/tcp_diag.sh build 10 vnetd on --cpus 1 --poll-us 20
#        CC=cubic bench/tcp_diag.sh build 10 naive   (iperf3 -C cubic; see lib_ns.sh)
#        PERF=1 bench/tcp_diag.sh build 10 vnetd on   also a perf profile of the
#             forwarder (perf record -g, the middle T-4 s): kernel/user split and
#             the symbols over 2% of its samples
set -euo pipefail
BUILD=${1:?usage: tcp_diag.sh BUILD_DIR [SECONDS [vnetd|naive|bridge [...]]]}
T=${2:-10}
MODE=${3:-vnetd}
shift $(($# < 3 ? $# : 3))
OFF=on
if [[ "$MODE" == vnetd && $# -gt 0 && ( "$1" == on || "$1" == off ) ]]; then
	OFF=$1
	shift
fi
VNETD=${VNETD:-$BUILD/src/cmd/vnetd}
NAIVE=${NAIVE:-$BUILD/bench/bench_naive_fwd}
TAG="vd${RANDOM}"
NET=79
. "$(dirname "$0")/lib_ns.sh"

NS1="${TAG}x"
NS2="${TAG}y"
mkns "$NS1"
mkns "$NS2"
if [[ "$MODE" == vnetd ]]; then
	"$VNETD" "$@" --port "tap:name=${TAG}a,offload=$OFF,netns=$NS1" \
		--port "tap:name=${TAG}b,offload=$OFF,netns=$NS2" >"$TMP/out" 2>"$TMP/log" &
	VNETD_PID=$!
	wait_for 10 grep -q '^vnetd: ready' "$TMP/out" || die "vnetd: $(cat "$TMP/log")"
	addr "$NS1" "${TAG}a" 1
	addr "$NS2" "${TAG}b" 2
elif [[ "$MODE" == bridge ]]; then
	NSB="${TAG}br"
	mkns "$NSB"
	ip -n "$NSB" link add br0 type bridge
	ip -n "$NSB" link set br0 up
	ip -n "$NSB" link add v1p type veth peer name "${TAG}a" netns "$NS1"
	ip -n "$NSB" link add v2p type veth peer name "${TAG}b" netns "$NS2"
	ip -n "$NSB" link set v1p master br0 up
	ip -n "$NSB" link set v2p master br0 up
	addr "$NS1" "${TAG}a" 1
	addr "$NS2" "${TAG}b" 2
elif [[ "$MODE" == naive ]]; then
	"$NAIVE" "${TAG}a" "${TAG}b" >"$TMP/out" 2>"$TMP/log" &
	VNETD_PID=$!
	wait_for 10 grep -q '^naive: ready' "$TMP/out" || die "naive: $(cat "$TMP/log")"
	ip link set "${TAG}a" netns "$NS1"
	ip link set "${TAG}b" netns "$NS2"
	addr "$NS1" "${TAG}a" 1
	addr "$NS2" "${TAG}b" 2
else
	die "mode must be vnetd, naive or bridge"
fi
wait_for 10 ip netns exec "$NS1" busybox ping -c 1 -W 1 10.79.0.2 >/dev/null || die "no ping"

ip netns exec "$NS2" iperf3 -s -1 -B 10.79.0.2 >/dev/null 2>&1 &
SRV=$!
PIDS+=("$SRV")
wait_for 10 ip netns exec "$NS2" bash -c "ss -ltn | grep -q ':5201 '" || die "iperf3 server"
ip netns exec "$NS1" iperf3 -c 10.79.0.2 -t "$T" "${IPERF_CC[@]}" -J >"$TMP/iperf.json" &
CLI=$!
PIDS+=("$CLI")

# the middle of the run: machine CPU, vnetd CPU, placement samples
sleep 2
perf_pid=""
if [[ -n "${PERF:-}" && -n "$VNETD_PID" ]]; then
	command -v perf >/dev/null || die "PERF=1: perf is not installed"
	perf record -g -o "$TMP/perf.data" -p "$VNETD_PID" -- sleep $((T - 4)) >/dev/null 2>&1 &
	perf_pid=$!
fi
read -r -a st0 < <(head -1 /proc/stat)
v0=0
[[ -n "$VNETD_PID" ]] && v0=$(awk '{ print $14 + $15 }' "/proc/$VNETD_PID/stat")
shared=0
samples=0
wtid=""
[[ -n "$VNETD_PID" ]] && wtid=$(ps -L -o tid=,comm= -p "$VNETD_PID" | awk 'NR > 1 { print $1; exit }')
sender=$(pgrep -f "iperf3 -c 10.79.0.2 -t $T" | head -1 || true)
# migrations, sleeps and preemptions, summed over the forwarding threads
# (every thread but the main one: vnetd's workers, the naive forwarder's two)
wsched() {
	[[ -n "$wtid" ]] || { echo "0 0 0"; return; }
	local t f=()
	for t in /proc/"$VNETD_PID"/task/*; do
		[[ "${t##*/}" == "$VNETD_PID" ]] || f+=("$t/sched")
	done
	awk -F: '/se.nr_migrations/ { m += $2 } /nr_voluntary_switches/ { v += $2 }
		/nr_involuntary_switches/ { i += $2 } END { print m + 0, v + 0, i + 0 }' "${f[@]}"
}
read -r m0 vs0 is0 < <(wsched)
end=$((SECONDS + T - 4))
while ((SECONDS < end)); do
	if [[ -n "$wtid" && -n "$sender" ]]; then
		# field 39 of stat: the CPU the task last ran on
		a=$(awk '{ print $39 }' "/proc/$VNETD_PID/task/$wtid/stat" 2>/dev/null || true)
		b=$(awk '{ print $39 }' "/proc/$sender/stat" 2>/dev/null || true)
		if [[ -n "$a" && -n "$b" ]]; then
			samples=$((samples + 1))
			[[ "$a" == "$b" ]] && shared=$((shared + 1))
		fi
	fi
	sleep 0.1
done
read -r -a st1 < <(head -1 /proc/stat)
read -r m1 vs1 is1 < <(wsched)
v1=0
[[ -n "$VNETD_PID" ]] && v1=$(awk '{ print $14 + $15 }' "/proc/$VNETD_PID/stat")
wait "$CLI" || die "iperf3 client failed"
if [[ -n "$perf_pid" ]]; then
	wait "$perf_pid" || true
	echo "perf profile of the $MODE process (self time, % of its samples):"
	perf report -i "$TMP/perf.data" --no-children --sort dso 2>/dev/null |
		awk '/^ +[0-9.]+%/ && n++ < 4 { printf "  %-40s %s\n", $2, $1 }'
	perf report -i "$TMP/perf.data" --no-children --sort sym -g none 2>/dev/null |
		awk '/^ +[0-9.]+%/ && $1 + 0 >= 2 { printf "  %-40s %s\n", $3, $1 }'
fi

TCP_CC_NOTE=$TCP_CC_NOTE python3 - "$TMP/iperf.json" "$(nproc)" "$((v1 - v0))" "$((T - 4))" "$samples" "$shared" \
	"$MODE" "${st0[*]}" "${st1[*]}" "$((m1 - m0)) $((vs1 - vs0)) $((is1 - is0))" <<'PY'
import json, os, sys
f, ncpu, vt, secs, samples, shared, mode, s0, s1, ws = sys.argv[1:]
mig, vol, inv = (int(x) / float(secs) for x in ws.split())
d = json.load(open(f))["end"]
a = [int(x) for x in s0.split()[1:9]]
b = [int(x) for x in s1.split()[1:9]]
dt = [y - x for x, y in zip(a, b)]
tot = sum(dt) or 1
n = int(ncpu)
pct = lambda i: 100.0 * n * dt[i] / tot
print("%-34s %8.2f Gbit/s (tcp congestion control %s)" % ("throughput", d["sum_received"]["bits_per_second"] / 1e9, os.environ.get("TCP_CC_NOTE", "?")))
print("%-34s %8.0f %%" % ("iperf3 sender CPU", d["cpu_utilization_percent"]["host_total"]))
print("%-34s %8.0f %%" % ("iperf3 receiver CPU", d["cpu_utilization_percent"]["remote_total"]))
if mode != "bridge":
    print("%-34s %8.0f %%" % (mode + " CPU", 100.0 * int(vt) / os.sysconf("SC_CLK_TCK") / float(secs)))
print("%-34s %8.0f %% user, %.0f %% sys, %.0f %% softirq, %.0f %% idle (of %d00 %%)" %
      ("machine", pct(0), pct(2), pct(6), pct(3), n))
if mode != "bridge":
    print("%-34s %8.0f migrations/s, %.0f sleeps/s, %.0f preemptions/s" %
          (mode + " threads", mig, vol, inv))
if mode != "bridge" and int(samples):
    print("%-34s %8s of %s samples" % ("first thread on the sender's CPU", shared, samples))
PY
