#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tcp.sh - single-stream TCP Gbps and 64-byte frames/s: vnetd against the Linux bridge, in one run
#
#   (a) vnetd, tap offloads on        (b) vnetd, tap offloads off
#   (a+) and (b+): the same with the worker pinned and polling briefly
#       (TUNED, default "--cpus LAST_CPU --poll-us 20"; see vnetd(8))
#   (c) Linux bridge + veth pairs     (d) Linux bridge + veth, offloads off
#       (ethtool -K tso off gso off tx off on every veth end)
#   (e) bench_fwd1: the one-syscall-per-frame forwarder (poll, read one
#       frame, write it) between two taps without offloads
#   (f) bench_naive_fwd: the naive passthrough forwarder with offloads (two
#       threads, one per direction, read() a frame with its virtio-net header
#       from one tap and write() the same bytes to the other)
# The TCP figures of (a), (a+), (c) and (f) are medians of ROUNDS rounds
# (default 5), the four cases alternated within each round so that the
# machine's drift hits them alike; the other figures are one run each.
# plus 64-byte frames per second for (a), (a+), (c) and (e), sent with
# trafgen from one namespace and counted (rx_packets) in the other, with
# the system calls the forwarder made per frame meanwhile (perf stat on
# raw_syscalls:sys_enter, when perf is installed). Prints
# each figure, the ratios, and vnetd's CPU seconds per GB moved in (a) and
# (a+) (utime + stime from /proc/PID/stat), and its CPU with no traffic for
# IDLE_T s (default 10) in the first round of (a) and (a+), in % of one
# CPU. Everything lives in namespaces
# this script creates (the bridge too); nothing is left behind.
#
# usage: bench/tcp.sh [BUILD_DIR] [SECONDS]     (root; needs iperf3, trafgen, ethtool)
#        TUNED="--cpus 1 --poll-us 50" bench/tcp.sh ...   to try other options
#        ROUNDS=7 bench/tcp.sh ...                        more alternations
#        IDLE_T=30 bench/tcp.sh ...                       a longer idle measurement
#        CC=cubic bench/tcp.sh ...     every iperf3 with that congestion control
#                                      (default: the host's; see lib_ns.sh)
set -euo pipefail
BUILD=${1:-build}
T=${2:-10}
VNETD=${VNETD:-$BUILD/src/cmd/vnetd}
FWD1=${FWD1:-$BUILD/bench/bench_fwd1}
NAIVE=${NAIVE:-$BUILD/bench/bench_naive_fwd}
ROUNDS=${ROUNDS:-5}
IDLE_T=${IDLE_T:-10}
TUNED=${TUNED:---cpus $(($(nproc) - 1)) --poll-us 20}
TAG="vb${RANDOM}"
NET=78
. "$(dirname "$0")/lib_ns.sh"

# pps NS_TX IF_TX NS_RX IF_RX: sets PPS, 64-byte frames (60 + FCS) per second received
pps() {
	cat > "$TMP/trafgen.cfg" <<CFG
{
  eth(da=02:78:00:00:00:02, sa=02:78:00:00:00:01, type=0x0800),
  ipv4(saddr=10.78.0.1, daddr=10.78.0.2, proto=17, ttl=64),
  udp(sp=9, dp=9),
  fill(0x00, 18),
}
CFG
	local c1 c2 t1 t2
	# trafgen stops on SIGINT (SIGTERM leaves its sender child running)
	ip netns exec "$1" timeout -s INT $((T + 3)) trafgen --dev "$2" --conf "$TMP/trafgen.cfg" \
		--cpus 1 -q >/dev/null 2>&1 &
	local tg=$!
	PIDS+=("$tg")
	sleep 1
	local perf_pid=""
	SPF=n/a
	# system calls the forwarder makes per frame, while it forwards
	if [[ -n "$VNETD_PID" ]] && command -v perf >/dev/null; then
		perf stat -x, -e raw_syscalls:sys_enter -p "$VNETD_PID" -o "$TMP/perf.csv" \
			-- sleep "$T" 2>/dev/null &
		perf_pid=$!
	fi
	c1=$(ip netns exec "$3" cat "/sys/class/net/$4/statistics/rx_packets")
	t1=$(date +%s.%N)
	sleep "$T"
	c2=$(ip netns exec "$3" cat "/sys/class/net/$4/statistics/rx_packets")
	t2=$(date +%s.%N)
	wait "$tg" 2>/dev/null || true
	PPS=$(python3 -c "print('%.0f' % (($c2 - $c1) / ($t2 - $t1)))")
	if [[ -n "$perf_pid" ]] && wait "$perf_pid"; then
		SPF=$(python3 - "$TMP/perf.csv" "$((c2 - c1))" <<'PY'
import sys
n = 0
for line in open(sys.argv[1]):
    f = line.split(",")
    if len(f) > 2 and "sys_enter" in f[2] and f[0].strip().isdigit():
        n = int(f[0])
frames = int(sys.argv[2])
print("%.2f" % (n / frames) if n and frames else "n/a")
PY
)
	fi
}

cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# vnetd case: CASE OFFLOAD [VNETD OPTIONS...] -> sets NS1 NS2 A B; with
# CASE "e", bench_fwd1 instead of vnetd (no offloads, no options); with
# CASE "f", bench_naive_fwd (offloads always on, no options)
vnetd_up() {
	local c=$1 off=$2
	shift 2
	A="${TAG}${c}a"
	B="${TAG}${c}b"
	NS1="${TAG}${c}x"
	NS2="${TAG}${c}y"
	if [[ "$c" == e ]]; then
		"$FWD1" "$A" "$B" >"$TMP/vnetd.log" 2>&1 &
	elif [[ "$c" == f ]]; then
		"$NAIVE" "$A" "$B" >"$TMP/vnetd.log" 2>&1 &
	else
		"$VNETD" "$@" --port "tap:name=$A,offload=$off" --port "tap:name=$B,offload=$off" \
			>"$TMP/vnetd.log" 2>&1 &
	fi
	VNETD_PID=$!
	wait_for 10 ip link show "$A" || die "$c: no tap $A: $(cat "$TMP/vnetd.log")"
	wait_for 10 ip link show "$B" || die "$c: no tap $B"
	mkns "$NS1"
	mkns "$NS2"
	ip link set "$A" netns "$NS1"
	ip link set "$B" netns "$NS2"
	addr "$NS1" "$A" 1
	addr "$NS2" "$B" 2
	wait_for 10 ip netns exec "$NS1" ping -c 1 -W 1 10.78.0.2 ||
		wait_for 10 ip netns exec "$NS1" busybox ping -c 1 -W 1 10.78.0.2 || die "no ping through $c"
}

vnetd_down() {
	kill -TERM "$VNETD_PID"
	wait "$VNETD_PID" || true
	VNETD_PID=""
	ip netns del "$NS1"
	ip netns del "$NS2"
}

# idle_cpu: vnetd's CPU over IDLE_T s with no traffic (the namespaces up,
# addressed, silent but for what their stacks send unasked), in % of one
# CPU -> IDLE
idle_cpu() {
	local t0 t1
	sleep 1
	t0=$(cpu_ticks "$VNETD_PID")
	sleep "$IDLE_T"
	t1=$(cpu_ticks "$VNETD_PID")
	IDLE=$(python3 -c "import os; print('%.2f' % (($t1 - $t0) * 100 / os.sysconf('SC_CLK_TCK') / $IDLE_T))")
}

# tcp_cpu: iperf through the vnetd of this case, and its CPU s/GB -> GBPS CPU
tcp_cpu() {
	local t0 t1
	t0=$(cpu_ticks "$VNETD_PID")
	iperf "$NS1" "$NS2"
	t1=$(cpu_ticks "$VNETD_PID")
	CPU=$(python3 -c "import os; print('%.3f' % (($t1 - $t0) / os.sysconf('SC_CLK_TCK') / ($BYTES / 1e9)))")
}

# bridge case: OFFLOAD(on|off) -> NS1 NS2 with veth ends V1 V2 into a bridge in NSB
bridge_up() {
	NS1="${TAG}$1x"
	NS2="${TAG}$1y"
	NSB="${TAG}$1br"
	V1="${TAG}$1v1"
	V2="${TAG}$1v2"
	mkns "$NS1"
	mkns "$NS2"
	mkns "$NSB"
	ip -n "$NSB" link add br0 type bridge
	ip -n "$NSB" link set br0 up
	ip -n "$NSB" link add "${V1}p" type veth peer name "$V1" netns "$NS1"
	ip -n "$NSB" link add "${V2}p" type veth peer name "$V2" netns "$NS2"
	ip -n "$NSB" link set "${V1}p" master br0 up
	ip -n "$NSB" link set "${V2}p" master br0 up
	addr "$NS1" "$V1" 1
	addr "$NS2" "$V2" 2
	if [[ "$1" == off ]]; then
		ip netns exec "$NS1" ethtool -K "$V1" tso off gso off tx off >/dev/null
		ip netns exec "$NS2" ethtool -K "$V2" tso off gso off tx off >/dev/null
		ip netns exec "$NSB" ethtool -K "${V1}p" tso off gso off tx off >/dev/null
		ip netns exec "$NSB" ethtool -K "${V2}p" tso off gso off tx off >/dev/null
	fi
	wait_for 10 ip netns exec "$NS1" busybox ping -c 1 -W 1 10.78.0.2 || die "no ping through the bridge"
}

bridge_down() {
	ip netns del "$NS1"
	ip netns del "$NS2"
	ip netns del "$NSB"
}

[[ -x "$VNETD" ]] || die "no vnetd at $VNETD (build first)"
[[ -x "$FWD1" ]] || die "no bench_fwd1 at $FWD1 (build first)"
[[ -x "$NAIVE" ]] || die "no bench_naive_fwd at $NAIVE (build first)"
echo "bench/tcp.sh: $T s per figure, $(nproc) CPUs (shared: figures are noisy), load $(cut -d' ' -f1-3 /proc/loadavg), tcp congestion control $TCP_CC_NOTE"
echo "tuned vnetd options (a+, b+): $TUNED; $ROUNDS rounds of (a) (f) (a+) (c)"

A_ALL=() AT_ALL=() C_ALL=() F_ALL=()
# shellcheck disable=SC2086 # TUNED is a list of options
for ((r = 1; r <= ROUNDS; r++)); do
	vnetd_up a on
	((r == 1)) && { idle_cpu; A_IDLE=$IDLE; }
	tcp_cpu; A_ALL+=("$GBPS")
	((r == 1)) && { A_CPU=$CPU; pps "$NS1" "$A" "$NS2" "$B"; A_PPS=$PPS; A_SPF=$SPF; }
	vnetd_down

	vnetd_up f on
	iperf "$NS1" "$NS2"; F_ALL+=("$GBPS")
	((r == 1)) && { pps "$NS1" "$A" "$NS2" "$B"; F_PPS=$PPS; F_SPF=$SPF; }
	vnetd_down

	vnetd_up t on $TUNED
	((r == 1)) && { idle_cpu; AT_IDLE=$IDLE; }
	tcp_cpu; AT_ALL+=("$GBPS")
	((r == 1)) && { AT_CPU=$CPU; pps "$NS1" "$A" "$NS2" "$B"; AT_PPS=$PPS; AT_SPF=$SPF; }
	vnetd_down

	bridge_up on
	iperf "$NS1" "$NS2"; C_ALL+=("$GBPS")
	((r == 1)) && { pps "$NS1" "$V1" "$NS2" "$V2"; C_PPS=$PPS; }
	bridge_down
	echo "round $r/$ROUNDS: vnetd ${A_ALL[-1]}  naive ${F_ALL[-1]}  vnetd tuned ${AT_ALL[-1]}  bridge ${C_ALL[-1]} Gbps"
done
A_GBPS=$(median "${A_ALL[@]}")
AT_GBPS=$(median "${AT_ALL[@]}")
C_GBPS=$(median "${C_ALL[@]}")
F_GBPS=$(median "${F_ALL[@]}")

# shellcheck disable=SC2086 # TUNED is a list of options
{
vnetd_up b off
iperf "$NS1" "$NS2"; B_GBPS=$GBPS
vnetd_down

vnetd_up u off $TUNED
iperf "$NS1" "$NS2"; BT_GBPS=$GBPS
vnetd_down
}

vnetd_up e off
iperf "$NS1" "$NS2"; E_GBPS=$GBPS
pps "$NS1" "$A" "$NS2" "$B"; E_PPS=$PPS; E_SPF=$SPF
vnetd_down

bridge_up off
iperf "$NS1" "$NS2"
D_GBPS=$GBPS
bridge_down

printf '%-44s %12s\n' "path" "figure"
printf '%-44s %9s Gbps\n' "(a) vnetd, offloads on" "$A_GBPS"
printf '%-44s %9s Gbps\n' "(a+) vnetd tuned, offloads on" "$AT_GBPS"
printf '%-44s %9s Gbps\n' "(b) vnetd, offloads off" "$B_GBPS"
printf '%-44s %9s Gbps\n' "(b+) vnetd tuned, offloads off" "$BT_GBPS"
printf '%-44s %9s Gbps\n' "(c) Linux bridge + veth" "$C_GBPS"
printf '%-44s %9s Gbps\n' "(d) Linux bridge + veth, offloads off" "$D_GBPS"
printf '%-44s %9s Gbps\n' "(e) one-syscall-per-frame forwarder" "$E_GBPS"
printf '%-44s %9s Gbps\n' "(f) naive passthrough forwarder, offloads" "$F_GBPS"
printf '%-44s %9s pps   %s syscalls/frame\n' "(a) vnetd, 64-byte frames" "$A_PPS" "$A_SPF"
printf '%-44s %9s pps   %s syscalls/frame\n' "(a+) vnetd tuned, 64-byte frames" "$AT_PPS" "$AT_SPF"
printf '%-44s %9s pps\n' "(c) Linux bridge, 64-byte frames" "$C_PPS"
printf '%-44s %9s pps   %s syscalls/frame\n' "(e) one-syscall-per-frame fwd, 64-byte" "$E_PPS" "$E_SPF"
printf '%-44s %9s pps   %s syscalls/frame\n' "(f) naive forwarder, 64-byte frames" "$F_PPS" "$F_SPF"
python3 - "$A_GBPS" "$AT_GBPS" "$B_GBPS" "$BT_GBPS" "$C_GBPS" "$E_GBPS" \
	"$A_PPS" "$AT_PPS" "$C_PPS" "$E_PPS" "$A_CPU" "$AT_CPU" "$F_GBPS" "$F_PPS" \
	"$A_IDLE" "$AT_IDLE" <<'PY'
import sys
a, at, b, bt, c, e, apps, atpps, cpps, epps, cpu, tcpu, f, fpps, idle, tidle = \
    map(float, sys.argv[1:])
r = lambda x, y: x / y if y else 0
print("%-44s %9.2f   (target >= 1.2)" % ("ratio a/f (TCP, medians)", r(a, f)))
print("%-44s %9.2f   (target >= 1.0)" % ("ratio a/c (TCP, medians)", r(a, c)))
print("%-44s %9.2f" % ("ratio a+/f (TCP, medians)", r(at, f)))
print("%-44s %9.2f" % ("ratio a/f (64-byte pps)", r(apps, fpps)))
print("%-44s %9.2f   (target >= 0.8)" % ("ratio a+/c (TCP)", r(at, c)))
print("%-44s %9.2f   (target >= 3)" % ("ratio a/b (TCP)", r(a, b)))
print("%-44s %9.2f   (target >= 3)" % ("ratio a+/b+ (TCP)", r(at, bt)))
print("%-44s %9.2f" % ("ratio a/c (64-byte pps)", r(apps, cpps)))
print("%-44s %9.2f   (target > 1)" % ("ratio a/e (64-byte pps)", r(apps, epps)))
print("%-44s %9.2f   (target > 1)" % ("ratio a+/e (64-byte pps)", r(atpps, epps)))
print("%-44s %9.3f s" % ("vnetd CPU time per GB in (a)", cpu))
print("%-44s %9.3f s" % ("vnetd CPU time per GB in (a+)", tcpu))
print("%-44s %9.2f %%   (target < 1)" % ("vnetd CPU idle, % of one CPU, (a)", idle))
print("%-44s %9.2f %%" % ("vnetd CPU idle, % of one CPU, (a+)", tidle))
PY
