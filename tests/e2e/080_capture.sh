#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 080_capture.sh - vnetctl capture against a running vnetd, pcaps read back by tshark
#
# Real peers: two taps (offload=on) in namespaces this test creates, the
# kernels' ICMP and TCP stacks, iperf3, and tshark reading the files.
# Checks: -c COUNT with an 'icmp' filter gives exactly the echo requests we
# sent (ids and payloads compared), egress at the other port concurrently,
# TSO frames (> 1514 bytes) whole at ingress, EBUSY on the same port and
# direction, a bad filter's libpcap message, SIGINT leaves a valid pcap, a
# killed client detaches its capture; deleting the port ends its captures.
. "$(dirname "$0")/ctl_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib_vnetd.sh"	# wait_for

a=${tag}a b=${tag}b
# two workers: each port has its own, and so each capture queue its worker's
start_vnetd --workers 2
ctl port add "tap:name=$a,offload=on" >/dev/null
ctl port add "tap:name=$b,offload=on" >/dev/null
ns_tap "${tag}na" "$a" 10.201.8.1/24
ns_tap "${tag}nb" "$b" 10.201.8.2/24
mac_a=$(ip -n "${tag}na" -j link show "$a" | jget 'j[0]["address"]')
mac_b=$(ip -n "${tag}nb" -j link show "$b" | jget 'j[0]["address"]')
ip -n "${tag}na" neigh replace 10.201.8.2 lladdr "$mac_b" dev "$a" nud permanent
ip -n "${tag}nb" neigh replace 10.201.8.1 lladdr "$mac_a" dev "$b" nud permanent
# offloads on inside the namespaces: TCP leaves as TSO frames
ip netns exec "${tag}na" busybox ping -c 2 -W 2 10.201.8.2 >/dev/null || fail "ping through vnetd"

# cap_bg NAME ARGS...: run "vnetctl capture ARGS" in the background, wait until it runs
cap_bg() {
	local name=$1
	shift
	# vnetctl itself in the background (not the ctl function: a subshell
	# would get the signals)
	"$VNETCTL" -s "$sock" capture "$@" 2>"$dir/$name.err" &
	pids+=($!)
	eval "${name}_pid=$!"
	for _ in $(seq 100); do
		grep -qs "^capturing on" "$dir/$name.err" && return 0
		kill -0 "$!" 2>/dev/null || fail "capture $name exited: $(cat "$dir/$name.err")"
		sleep 0.1
	done
	fail "capture $name did not start in 10 s"
}
# wait_pid PID SECS: wait for a background vnetctl, bounded; its status in $rc
wait_pid() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && fail "vnetctl pid $1 still running after $2 s"
	rc=0
	wait "$1" || rc=$?
}
# iperf_server: one-shot iperf3 server in nb, listening before this returns
iperf_server() {
	ip netns exec "${tag}nb" iperf3 -s -1 -B 10.201.8.2 >/dev/null 2>&1 &
	pids+=($!)
	iperf_s=$!
	wait_for 10 listening || fail "iperf3 server did not listen in 10 s"
}
listening() { [ -n "$(ip netns exec "${tag}nb" ss -Hltn 'sport = :5201')" ]; }
frames() { tshark -r "$1" 2>/dev/null | wc -l; }

note "capture -c 5 -f icmp at $a ingress and, at once, icmp at $b egress, during TCP"
cap_bg ia "$a" ingress -w "$dir/ia.pcap" -c 5 -f icmp
cap_bg eb "$b" egress -w "$dir/eb.pcap" -c 5 -f 'icmp[icmptype] == icmp-echo'
iperf_server
ip netns exec "${tag}na" timeout 20 iperf3 -c 10.201.8.2 -t 2 >/dev/null 2>&1 &
pids+=($!)
iperf_c=$!
ip netns exec "${tag}na" python3 "$here/icmp_echo.py" 10.201.8.2 5 0x4a7c || fail "echo requests not answered"
wait_pid "$ia_pid" 15; [ "$rc" = 0 ] || fail "capture ia: $(cat "$dir/ia.err")"
wait_pid "$eb_pid" 15; [ "$rc" = 0 ] || fail "capture eb: $(cat "$dir/eb.err")"
wait_pid "$iperf_c" 25; [ "$rc" = 0 ] || fail "iperf3 during the icmp capture"
wait_pid "$iperf_s" 10
grep -q "^5 packets captured" "$dir/ia.err" || fail "ia summary: $(cat "$dir/ia.err")"
for f in ia eb; do
	tshark -r "$dir/$f.pcap" -T fields -e icmp.type -e icmp.ident -e icmp.seq -e data.data \
		>"$dir/$f.txt" 2>"$dir/$f.tshark" || fail "tshark $f: $(cat "$dir/$f.tshark")"
	[ "$(wc -l <"$dir/$f.txt")" = 5 ] || fail "$f: expected 5 frames: $(cat "$dir/$f.txt")"
	python3 - "$dir/$f.txt" <<'PY' || fail "$f frames are not our echo requests: $(cat "$dir/$f.txt")"
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
for seq, r in enumerate(rows, 1):
    typ, ident, s, data = r[0], r[1], r[2], r[3]
    want = (b"vnetd-capture-%04d" % seq).ljust(48, b"\xa5").hex()
    assert typ == "8", r
    assert int(ident, 0) == 0x4a7c, r
    assert int(s) == seq, r
    assert data.replace(":", "") == want, r
PY
done

# tcpdump reads the same file
[ "$(tcpdump -nr "$dir/ia.pcap" 2>/dev/null | grep -c 'ICMP echo request, id 19068')" = 5 ] ||
	fail "tcpdump: $(tcpdump -nr "$dir/ia.pcap" 2>&1)"

note "TCP with offloads at $a ingress: frames larger than 1514 bytes arrive whole"
cap_bg tso "$a" -w "$dir/tso.pcap" -c 200 -f 'tcp and dst host 10.201.8.2' -s 128
iperf_server
ip netns exec "${tag}na" timeout 20 iperf3 -c 10.201.8.2 -t 2 >/dev/null 2>&1 || fail "iperf3"
wait_pid "$tso_pid" 15; [ "$rc" = 0 ] || fail "capture tso: $(cat "$dir/tso.err")"
tshark -r "$dir/tso.pcap" -T fields -e frame.len -e frame.cap_len >"$dir/tso.txt" 2>/dev/null
[ "$(wc -l <"$dir/tso.txt")" = 200 ] || fail "tso: expected 200 frames, got $(wc -l <"$dir/tso.txt")"
python3 - "$dir/tso.txt" <<'PY' || fail "no TSO frame > 1514 bytes, or snaplen not applied"
import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
assert max(r[0] for r in rows) > 1514, max(rows)
assert all(r[1] == min(r[0], 128) for r in rows), rows[:5]
PY

note "same port and direction twice: EBUSY; a bad filter: libpcap's message"
cap_bg busy "$a" ingress -w "$dir/busy.pcap"
if ctl capture "$a" ingress -w "$dir/busy2.pcap" 2>"$dir/busy2.err"; then fail "second capture accepted"; fi
grep -q "already being captured" "$dir/busy2.err" || fail "EBUSY message: $(cat "$dir/busy2.err")"
kill -INT "$busy_pid"
wait_pid "$busy_pid" 10
[ "$rc" = 0 ] || fail "busy capture exit '$rc': $(cat "$dir/busy.err")"
rc=0
ctl capture "$a" -w "$dir/bad.pcap" -f 'tcp port nosuchport' 2>"$dir/bad.err" || rc=$?
[ "$rc" = 1 ] || fail "bad filter exit status $rc"
grep -q "^Error: bad filter 'tcp port nosuchport': .*nosuchport" "$dir/bad.err" || fail "bad filter message: $(cat "$dir/bad.err")"
[ ! -e "$dir/bad.pcap" ] || fail "bad filter created the file"
rc=0
ctl capture nosuch -w "$dir/x.pcap" 2>"$dir/x.err" || rc=$?
[ "$rc" = 1 ] && grep -q "no port 'nosuch'" "$dir/x.err" || fail "unknown port: $rc $(cat "$dir/x.err")"
rc=0
ctl --json capture "$a" -w "$dir/x.pcap" 2>"$dir/x.err" || rc=$?
[ "$rc" = 255 ] && grep -q "not meaningful" "$dir/x.err" || fail "--json: $rc $(cat "$dir/x.err")"

# a config file cannot start a capture (it streams to a client)
printf 'capture %s -w x\n' "$a" >"$dir/cap.conf"
if "$VNETD" --socket "$dir/cap.sock" -c "$dir/cap.conf" >"$dir/cap.log" 2>&1; then
	fail "vnetd started with a capture in its config"
fi
grep -q "cap.conf:1:" "$dir/cap.log" || fail "config capture: $(cat "$dir/cap.log")"

note "SIGINT to vnetctl: a valid pcap with what was seen"
cap_bg int "$a" egress -w "$dir/int.pcap" -f icmp
ip netns exec "${tag}na" python3 "$here/icmp_echo.py" 10.201.8.2 3 0x1111 || fail "echo"
wait_for 10 test "$(frames "$dir/int.pcap")" -ge 3 || fail "int: replies not written before SIGINT"
kill -INT "$int_pid"
wait_pid "$int_pid" 10; [ "$rc" = 0 ] || fail "SIGINT exit status: $(cat "$dir/int.err")"
[ "$(frames "$dir/int.pcap")" = 3 ] || fail "int: $(frames "$dir/int.pcap") frames"
tshark -r "$dir/int.pcap" -T fields -e icmp.type -e icmp.ident 2>/dev/null | sort -u >"$dir/int.txt"
[ "$(cat "$dir/int.txt")" = "$(printf '0\t%d' 0x1111)" ] || fail "int frames: $(cat "$dir/int.txt")"
grep -q "packets dropped by vnetd" "$dir/int.err" || fail "no END counters after SIGINT: $(cat "$dir/int.err")"

note "a stopped client: forwarding goes on, vnetd drops and counts"
cap_bg slow "$a" ingress -w "$dir/slow.pcap" -f tcp
kill -STOP "$slow_pid"
iperf_server
ip netns exec "${tag}na" timeout 20 iperf3 -c 10.201.8.2 -t 2 -J >"$dir/slow.json" 2>/dev/null ||
	fail "iperf3 while the capture client is stopped"
json 'j["end"]["sum_received"]["bytes"] > 0' <"$dir/slow.json" || fail "no TCP data while the client was stopped"
# while it runs, the port's counters show the capture's, drops included
ctl --json stats "$a" >"$dir/slow_stats.json"
json 'j[0]["counters"]["capture_ingress_dropped"] > 0 and j[0]["counters"]["capture_ingress_matched"] >= j[0]["counters"]["capture_ingress_dropped"]' <"$dir/slow_stats.json" ||
	fail "stats do not show the running capture's drops: $(cat "$dir/slow_stats.json")"
ctl stats "$a" | grep -q "capture_ingress_dropped" || fail "vnetctl stats does not list the capture counters"
kill -CONT "$slow_pid"
kill -INT "$slow_pid"
wait_pid "$slow_pid" 20; [ "$rc" = 0 ] || fail "slow capture exit: $(cat "$dir/slow.err")"
dropped=$(sed -n 's/^\([0-9]*\) packets dropped by vnetd$/\1/p' "$dir/slow.err")
[ -n "$dropped" ] && [ "$dropped" -gt 0 ] || fail "no drops counted: $(cat "$dir/slow.err")"
captured=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$dir/slow.err")
sed "s/^/    /" "$dir/slow.err"
matched=$(sed -n 's/^\([0-9]*\) packets matched the filter$/\1/p' "$dir/slow.err")
# after SIGINT the daemon sends what it had queued: nothing is unaccounted for
[ "$matched" = $((captured + dropped)) ] || fail "matched $matched != captured $captured + dropped $dropped"
[ "$(frames "$dir/slow.pcap")" = "$captured" ] || fail "slow.pcap: $(frames "$dir/slow.pcap") frames, $captured reported"

note "a killed client: the daemon detaches its capture"
cap_bg kil "$b" ingress -w "$dir/kil.pcap"
kill -KILL "$kil_pid"
wait "$kil_pid" 2>/dev/null || true
again() { "$VNETCTL" -s "$sock" capture "$b" ingress -w "$dir/again.pcap" -c 1 -f 'icmp' 2>"$dir/again.err" & local p=$!
	sleep 0.3; ip netns exec "${tag}nb" busybox ping -c 1 -W 1 10.201.8.1 >/dev/null 2>&1
	wait_pid "$p" 10; [ "$rc" = 0 ]; }
wait_for 10 again || fail "capture on $b ingress still busy after its client died: $(cat "$dir/again.err")"
grep -q "capture session ended" "$log" || fail "no session end in the log"
ctl stats >/dev/null || fail "vnetd gone"

note "port del ends its captures: vnetctl exits 0 and says why; a new port of that name is free"
ctl port add "tap:name=${tag}c" >/dev/null
cap_bg del "${tag}c" ingress -w "$dir/del.pcap"
cap_bg dele "${tag}c" egress -w "$dir/dele.pcap"
ctl port del "${tag}c"
wait_pid "$del_pid" 10; [ "$rc" = 0 ] || fail "capture after port del: exit $rc: $(cat "$dir/del.err")"
grep -q "^capture ended: port ${tag}c was deleted$" "$dir/del.err" || fail "del message: $(cat "$dir/del.err")"
grep -q "packets dropped by vnetd" "$dir/del.err" || fail "no END counters: $(cat "$dir/del.err")"
wait_pid "$dele_pid" 10; [ "$rc" = 0 ] || fail "egress capture after port del: $(cat "$dir/dele.err")"
grep -q "was deleted" "$dir/dele.err" || fail "dele message: $(cat "$dir/dele.err")"
tshark -r "$dir/del.pcap" >/dev/null 2>&1 || fail "del.pcap is not a valid pcap"
grep -q "capture session ended (port deleted)" "$log" || fail "no port-deleted session end in the log"
ctl port add "tap:name=${tag}c" >/dev/null
cap_bg del2 "${tag}c" ingress -w "$dir/del2.pcap"
kill -INT "$del2_pid"
wait_pid "$del2_pid" 10; [ "$rc" = 0 ] || fail "capture on a re-added port: $(cat "$dir/del2.err")"
ctl port del "${tag}c"
note "PASS"
