#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 050_xdp_hook.sh - XDP programs on vnetd's tap ports, with the kernel's stacks as peers.
# 1. drop_icmp.bpf.o at tap A's ingress: ping A<->B fails both ways (the
#    echo from A and the reply to B's echo are dropped at A's ingress),
#    while a TCP transfer (iperf3 -n, TSO frames through the program)
#    completes; vnetctl shows the drops counted as xdp_drop, lists the
#    program with its counters and dumps its map; detached and attached
#    again at run time with vnetctl, ping works and stops again.
# 2. redirect_port.bpf.o (bpf_redirect(2)) at tap A's ingress with three
#    namespaces: everything A sends goes to C (port 2) and never to B, past
#    learning: A reaches C's address, not B's; tcpdump at B sees no frame
#    from A's MAC, at C all of them; the FDB never learns A. Then
#    redirect.bpf.o replaces it (vnetctl xdp attach --replace): with its
#    DEVMAP empty A reaches B; filled with vnetctl map update, A's frames
#    for B go to C. Attached again with redirect=<B> (the ports it may
#    redirect to), the same map's redirects to C are refused and counted
#    drop_xdp_redirect_denied: A reaches neither; a redirect list naming
#    no port is refused.
# vnetctl passes the object open (a relative path is the user's; a file the
# user cannot read is never read by the daemon; a bare path is refused), and
# a config file's relative FILE is relative to the config's directory.
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 050_xdp_hook.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
progs=$build/tests/bpf/progs
. "$here/lib_vnetd.sh"

tag=vnxh$RANDOM			# xdp-hook helper tag, unique per run
nsa=${tag}a nsb=${tag}b nsc=${tag}c
tmp=$(mktemp -d)
sock=$tmp/vnetd.sock
iperf_pid= dump_b= dump_c=

cleanup() {
	[ -z "$iperf_pid" ] || kill "$iperf_pid" 2>/dev/null || true
	[ -z "$dump_b" ] || kill "$dump_b" 2>/dev/null || true
	[ -z "$dump_c" ] || kill "$dump_c" 2>/dev/null || true
	vnetd_stop TERM || true
	for ns in "$nsa" "$nsb" "$nsc"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

for ns in "$nsa" "$nsb" "$nsc"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	# IPv4 only: no IPv6 multicast chatter (MLD, RS) to count as B's frames
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done

# setup_ns NS TAP ADDR: bring the tap vnetd created in NS up with ADDR
setup_ns() {
	ip -n "$1" link set "$2" up
	ip -n "$1" addr add "$3/24" dev "$2"
}

# counter PORT NAME: one counter of PORT from `vnetctl --json stats`
counter() {
	"$VNETCTL" -s "$sock" --json stats "$1" --all |
		python3 -c 'import json,sys
r = json.load(sys.stdin)
def find(o):
    if isinstance(o, dict):
        if sys.argv[1] in o and not isinstance(o[sys.argv[1]], (dict, list)):
            return o[sys.argv[1]]
        for v in o.values():
            x = find(v)
            if x is not None: return x
    if isinstance(o, list):
        for v in o:
            x = find(v)
            if x is not None: return x
print(find(r) if find(r) is not None else "missing")' "$2"
}

echo "## 1. drop_icmp at ${tag}a's ingress: no ping, TCP flows"
# (one output file per run: vnetd_start's redirection happens in the child,
# so an old "ready" line could be read before it truncates the file)
vnetd_start "$tmp/out1" "$tmp/log1" -v -s "$sock" \
	--port "tap:name=${tag}a,netns=$nsa" --port "tap:name=${tag}b,netns=$nsb" \
	--xdp "${tag}a:ingress:$progs/drop_icmp.bpf.o"
grep -q "ingress XDP program drop_icmp.bpf.o:xdp_drop_icmp attached" "$tmp/log1"
setup_ns "$nsa" "${tag}a" 10.199.45.1
setup_ns "$nsb" "${tag}b" 10.199.45.2

echo "# ping A -> B: the echo requests die at A's ingress"
! ip netns exec "$nsa" busybox ping -c 2 -W 1 10.199.45.2
echo "# ping B -> A: requests arrive, the replies die at A's ingress"
! ip netns exec "$nsb" busybox ping -c 2 -W 1 10.199.45.1
# ping gives up 1 s after its last echo whether or not vnetd has taken the
# last dropped frame from the tap yet: wait (10 s bound) for the count
xdp_drops_ge() { [ "$(counter "${tag}a" drop_xdp_drop)" -ge "$1" ]; }
wait_for 10 xdp_drops_ge 4 || true
drops=$(counter "${tag}a" drop_xdp_drop)
echo "drop_xdp_drop on ${tag}a: $drops"
[ "$drops" -ge 4 ]

echo "# TCP A -> B with iperf3 -n 20M (TSO frames pass the program whole)"
ip netns exec "$nsb" iperf3 -s -1 -B 10.199.45.2 >"$tmp/iperf-s" 2>&1 &
iperf_pid=$!
wait_for 10 ip netns exec "$nsb" sh -c 'ss -ltn | grep -q ":5201"'
timeout 60 ip netns exec "$nsa" iperf3 -c 10.199.45.2 -n 20M >"$tmp/iperf-c"
wait "$iperf_pid" || true
iperf_pid=
grep -q "receiver" "$tmp/iperf-c"
passes=$(counter "${tag}a" xdp_pass)
echo "xdp_pass on ${tag}a: $passes"
[ "$passes" -gt 100 ]
[ "$(counter "${tag}a" drop_xdp_aborted)" = 0 ]

echo "# vnetctl: the attachment's counters and its map"
"$VNETCTL" -s "$sock" xdp list | tee "$tmp/xdp-list"
grep -q "^${tag}a  *ingress  *operator  *drop_icmp.bpf.o:xdp_drop_icmp  *\(jit\|interp\) " "$tmp/xdp-list"
"$VNETCTL" -s "$sock" --json map dump "${tag}a" ingress icmp_drops >"$tmp/map"
# the ARRAY's one u64, little-endian: at least the 4 echo frames dropped above
python3 -c 'import json,sys
e = json.load(open(sys.argv[1]))["entries"]
n = int.from_bytes(bytes.fromhex(e[0]["value"]), "little")
print("icmp_drops[0] =", n); sys.exit(0 if n >= 4 else 1)' "$tmp/map"
echo "# vnetctl map list / map lookup: the same map, by name and by key"
"$VNETCTL" -s "$sock" map list "${tag}a" ingress | tee "$tmp/map-list"
grep -q "^icmp_drops  *array  *4  *8  *1  *1 " "$tmp/map-list"
"$VNETCTL" -s "$sock" --json map lookup "${tag}a" ingress icmp_drops 00000000 >"$tmp/lookup"
python3 -c 'import json,sys
n = int.from_bytes(bytes.fromhex(json.load(open(sys.argv[1]))["value"]), "little")
print("lookup icmp_drops[0] =", n); sys.exit(0 if n >= 4 else 1)' "$tmp/lookup"
! "$VNETCTL" -s "$sock" map lookup "${tag}a" ingress icmp_drops 01000000 2>"$tmp/lookup-err"
grep -q "^Error: key not found" "$tmp/lookup-err"
echo "# vnetctl xdp detach: ping works; xdp attach again at run time: it stops"
"$VNETCTL" -s "$sock" xdp detach "${tag}a" ingress
ip netns exec "$nsa" busybox ping -c 2 -W 2 10.199.45.2
"$VNETCTL" -s "$sock" xdp attach "${tag}a:ingress:$progs/drop_icmp.bpf.o"
! ip netns exec "$nsa" busybox ping -c 2 -W 1 10.199.45.2
! "$VNETCTL" -s "$sock" xdp attach "${tag}a:ingress:$progs/xdp1.bpf.o" 2>"$tmp/err"
grep -q "already has an ingress program" "$tmp/err"

echo "# vnetctl opens the object and passes it: a relative path is the user's, not the daemon's"
(cd "$progs" && "$VNETCTL" -s "$sock" xdp attach "${tag}a:egress:xdp1.bpf.o")
"$VNETCTL" -s "$sock" --json xdp list >"$tmp/xl.json"
python3 -c 'import json,sys,os
j = [x for x in json.load(open(sys.argv[1])) if x["dir"] == "egress"]
sys.exit(0 if j and j[0]["file"] == os.path.realpath(sys.argv[2]) else 1)' "$tmp/xl.json" "$progs/xdp1.bpf.o"
"$VNETCTL" -s "$sock" xdp detach "${tag}a" egress
echo "# a file the user cannot read stays unread: the daemon (root) never opens it"
install -m 0600 "$progs/xdp1.bpf.o" "$tmp/secret.o"
chmod 0711 "$tmp"	# nobody may reach the socket, not list or read the files
chgrp nogroup "$sock"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$VNETCTL" -s "$sock" "$@"; }
as_nobody xdp list >/dev/null	# the socket's group may use it
! as_nobody xdp attach "${tag}a:egress:$tmp/secret.o" 2>"$tmp/err"
grep -q "^Error: $tmp/secret.o: Permission denied" "$tmp/err"
! as_nobody xdp attach "${tag}a:egress:/etc/shadow" 2>"$tmp/err"
grep -q "^Error: /etc/shadow: Permission denied" "$tmp/err"
! grep -q "shadow\|secret" "$tmp/log1"
"$VNETCTL" -s "$sock" --json xdp list | python3 -c 'import json,sys
sys.exit(0 if all(x["dir"] != "egress" for x in json.load(sys.stdin)) else 1)'
echo "# a request naming a path without passing the file: refused"
python3 - "$sock" "${tag}a:egress:$progs/xdp1.bpf.o" >"$tmp/raw" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((json.dumps({"v": 1, "id": 1, "cmd": "xdp.attach", "args": {"spec": sys.argv[2]}}) + "\n").encode())
print(s.makefile().readline())
PY
grep -q '"code": *"EBADF"' "$tmp/raw"
grep -q "vnetd opens no path a client names" "$tmp/raw"
vnetd_stop TERM

echo "## 2. redirect_port (bpf_redirect(2)) at ${tag}a's ingress: A's frames go to C only"
vnetd_start "$tmp/out2" "$tmp/log2" -v -s "$sock" \
	--port "tap:name=${tag}a,netns=$nsa" --port "tap:name=${tag}b,netns=$nsb" \
	--port "tap:name=${tag}c,netns=$nsc" \
	--xdp "${tag}a:ingress:$progs/redirect_port.bpf.o:xdp_redirect_port"
setup_ns "$nsa" "${tag}a" 10.199.46.1
setup_ns "$nsb" "${tag}b" 10.199.46.3
setup_ns "$nsc" "${tag}c" 10.199.46.2
maca=$(ip netns exec "$nsa" cat "/sys/class/net/${tag}a/address")
# capture what carries A's source MAC at B and at C while A pings both
# (other frames may reach B: A is never learned, so frames *to* A flood)
for x in b c; do
	ns=${tag}$x
	ip netns exec "$ns" timeout 60 tcpdump -n -U -i "${tag}$x" -w "$tmp/$x.pcap" \
		ether src "$maca" 2>"$tmp/$x.tcpdump" &
	eval "dump_$x=\$!"
	wait_for 10 grep -q "listening on" "$tmp/$x.tcpdump"
done
echo "# A -> C works: A's ARP request and echoes are redirected to C; C's replies are flooded"
ip netns exec "$nsa" busybox ping -c 3 -W 2 10.199.46.2
echo "# A -> B fails: nothing A sends reaches B"
! ip netns exec "$nsa" busybox ping -c 2 -W 1 10.199.46.3
kill -INT "$dump_b" "$dump_c"
wait "$dump_b" "$dump_c" || true
nb=$(tcpdump -n -r "$tmp/b.pcap" 2>/dev/null | wc -l)
nc=$(tcpdump -n -r "$tmp/c.pcap" 2>/dev/null | wc -l)
echo "frames from A's MAC: at B $nb, at C $nc"
[ "$nb" = 0 ]
[ "$nc" -ge 5 ]	# echo requests to C, plus the ARP/echoes meant for B
echo "# A's MAC was never learned (redirect bypasses learning)"
"$VNETCTL" -s "$sock" fdb show >"$tmp/fdb"
cat "$tmp/fdb"
! grep -qi "$maca" "$tmp/fdb"
[ "$(counter "${tag}a" xdp_redirect)" -ge 5 ]

echo "## 2b. redirect.bpf.o (DEVMAP) swapped in with vnetctl: empty map passes, filled map redirects"
"$VNETCTL" -s "$sock" xdp attach "${tag}a:ingress:$progs/redirect.bpf.o" --replace
echo "# empty DEVMAP: bpf_redirect_map's default XDP_PASS, so A reaches B through the FDB"
ip netns exec "$nsa" busybox ping -c 4 -W 3 10.199.46.3
echo "# every slot -> port 2: A's frames for B go to C instead"
for k in 0 1 2 3 4 5 6 7; do
	"$VNETCTL" -s "$sock" map update "${tag}a" ingress tx_port "0${k}000000=02000000"
done
"$VNETCTL" -s "$sock" map dump "${tag}a" ingress tx_port
red0=$(counter "${tag}a" xdp_redirect)
! ip netns exec "$nsa" busybox ping -c 2 -W 1 10.199.46.3
ip netns exec "$nsa" busybox ping -c 2 -W 2 10.199.46.2
red1=$(counter "${tag}a" xdp_redirect)
echo "xdp_redirect on ${tag}a: $red0 -> $red1"
[ "$red1" -ge $((red0 + 4)) ]

echo "## 2c. the same program limited to redirect=${tag}b: its redirects to C are refused"
"$VNETCTL" -s "$sock" xdp attach "${tag}a:ingress:$progs/redirect.bpf.o:redirect=${tag}b" --replace
for k in 0 1 2 3 4 5 6 7; do
	"$VNETCTL" -s "$sock" map update "${tag}a" ingress tx_port "0${k}000000=02000000"
done
den0=$(counter "${tag}a" drop_xdp_redirect_denied)
! ip netns exec "$nsa" busybox ping -c 2 -W 1 10.199.46.2
den1=$(counter "${tag}a" drop_xdp_redirect_denied)
echo "drop_xdp_redirect_denied on ${tag}a: $den0 -> $den1"
[ "$den1" -ge $((den0 + 2)) ]
! "$VNETCTL" -s "$sock" xdp attach "${tag}a:ingress:$progs/redirect.bpf.o:redirect=nosuch" \
	--replace 2>"$tmp/err2c"
grep -q "redirect target 'nosuch': no such port" "$tmp/err2c"
vnetd_stop TERM

echo "## 3. a config file's xdp attach: a relative FILE is relative to the config's directory"
mkdir -p "$tmp/conf"
cp "$progs/drop_icmp.bpf.o" "$tmp/conf/"
printf 'port add tap:name=%s,netns=%s\nxdp attach %s:ingress:drop_icmp.bpf.o\n' \
	"${tag}a" "$nsa" "${tag}a" >"$tmp/conf/vnetd.conf"
# the daemon runs elsewhere (cwd /): only the config's directory can explain the path
pushd / >/dev/null
vnetd_start "$tmp/out4" "$tmp/log4" -v -s "$sock" -c "$tmp/conf/vnetd.conf"
popd >/dev/null
grep -q "ingress XDP program drop_icmp.bpf.o:xdp_drop_icmp attached" "$tmp/log4"
"$VNETCTL" -s "$sock" --json xdp list | python3 -c 'import json,sys
j = json.load(sys.stdin)
sys.exit(0 if [x["file"] for x in j] == [sys.argv[1]] else 1)' "$tmp/conf/drop_icmp.bpf.o"
vnetd_stop TERM

echo "## 4. a bad --xdp is refused with exit status 1"
rc=0
"$VNETD" --port "tap:name=${tag}a,netns=$nsa" --xdp "${tag}a:sideways:$progs/xdp1.bpf.o" \
	>"$tmp/out3" 2>"$tmp/log3" || rc=$?
[ "$rc" = 1 ]
grep -q "direction 'sideways': expected ingress or egress" "$tmp/log3"
echo "ok"
