#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 031_vnetd_cli.sh - vnetd's command line: help, bad arguments and unopenable
# ports exit 1 with a message naming the culprit and leave no tap behind;
# a persistent tap vnetd attached to survives its shutdown, with the MTU and
# link state it had; a refused port add changes nothing; SIGHUP is logged
# and ignored; both ends of a pair in one VLAN are refused (a storm).
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 031_vnetd_cli.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
. "$here/lib_vnetd.sh"

tag=vnpc$RANDOM			# port-tap helper tag, unique per run
tmp=$(mktemp -d)
cleanup() {
	vnetd_stop TERM || true
	ip link del "${tag}p" 2>/dev/null || true
	ip link del "${tag}a" 2>/dev/null || true
	ip link del "${tag}c" 2>/dev/null || true
	ip link del "${tag}z" 2>/dev/null || true
	ip netns del "${tag}n" 2>/dev/null || true
	ip link del "${tag}e" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# expect_fail MESSAGE ARGS...: exit status 1 and MESSAGE on stderr
expect_fail() {
	local msg=$1 rc=0
	shift
	timeout 10 "$VNETD" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" != 1 ] || ! grep -qF -- "$msg" "$tmp/err"; then
		echo "vnetd $*: expected exit 1 and '$msg', got $rc:"
		cat "$tmp/err"
		exit 1
	fi
	if grep -q 'ready' "$tmp/out"; then
		echo "vnetd $*: said ready"
		exit 1
	fi
}

"$VNETD" --help >"$tmp/out"
grep -q '^Usage: vnetd' "$tmp/out"
grep -q -- '--port KIND:ARGS' "$tmp/out"
grep -q -- '--xdp-time-cap NS' "$tmp/out"
grep -q -- '--xdp-cpu-rate N' "$tmp/out"
grep -q -- '--xdp-cpu-burst N' "$tmp/out"
ver=$("$VNETD" --version)
grep -q '^vnetd [0-9]' <<<"$ver"

expect_fail "unknown option '--frobnicate'" --frobnicate
expect_fail "option '--port' needs a value" --port
expect_fail "--workers: '0' is not a number" --workers 0
expect_fail "--workers: 'two' is not a number" --workers two
expect_fail "--aging: '-5' is not a number" --aging -5
expect_fail "--poll-us: '10001' is not a number" --poll-us 10001
expect_fail "--cpus '3-1': not a CPU list" --cpus 3-1
expect_fail "--xdp-time-cap: '999' is not a number from 1000 to 1000000000" --xdp-time-cap=999
expect_fail "--xdp-time-cap: '1s' is not a number" --xdp-time-cap 1s
expect_fail "--xdp-cpu-rate: '4000000001' is not a number from 1000 to 4000000000" \
	--xdp-cpu-rate=4000000001
expect_fail "--xdp-cpu-rate: '-1' is not a number" --xdp-cpu-rate=-1
expect_fail "--xdp-cpu-burst: '0' is not a number from 1000 to 1000000000000" --xdp-cpu-burst=0
expect_fail "option '--xdp-cpu-burst' needs a value" --xdp-cpu-burst
expect_fail "--cpus '0,0': not a CPU list" --cpus 0,0
expect_fail "--cpus: CPU 4095 is offline or not allowed" --cpus 4095
expect_fail "unexpected argument 'tap:name=x'" tap:name=x
expect_fail "error: --port: port spec 'nosuch:name=x': unknown kind 'nosuch' (kinds: tap, pair, vhost-user, pcap, afpacket, afxdp, vxlan, geneve)" \
	--port nosuch:name=x
expect_fail "error: --port: port spec 'tap:name=${tag}a,trunk=10,20': '20' is not key=value (trunk VLANs are separated by ':', e.g. trunk=10:20)" \
	--port "tap:name=${tag}a,trunk=10,20"
expect_fail "error: --port: port spec 'tap:name=${tag}a,vlan=10,vlan=20': duplicate key 'vlan'" \
	--port "tap:name=${tag}a,vlan=10,vlan=20"
expect_fail "error: --port: port spec 'tap:${tag}a': '${tag}a' is not key=value (did you mean name=${tag}a?)" \
	--port "tap:${tag}a"
expect_fail "error: --port: port '${tag} a': invalid interface name (no '/', ':', blanks, '.' or '..')" \
	--port "tap:name=${tag} a"
# a spec without name= is an error, not a kernel-chosen "tap0"
expect_fail "name= is required (e.g. tap:name=vnet0)" --port tap
expect_fail "name= is required" --port tap:
expect_fail "name= is required" --port tap:offload=off
# the documented pair, both ends in one VLAN: every flood would loop
expect_fail "would loop" --port "pair:name=${tag}x,peer=${tag}y" --port "pair:name=${tag}y,peer=${tag}x"
expect_fail "bad value 'maybe' for 'offload'" --port "tap:name=${tag}a,offload=maybe"
expect_fail "error: --port: port '${tag}a': bad value '5000' for 'vlan' (expected 1-4094)" \
	--port "tap:name=${tag}a,vlan=5000"
# one line per failure: the reason, not the reason and then an errno
[ "$(grep -c 'error:' "$tmp/err")" = 1 ] || { echo "--port error not one line:"; cat "$tmp/err"; exit 1; }
expect_fail "no such tap and create=off" --port "tap:name=${tag}a,create=off"
# the second port fails: the first one, already created, must be removed again
expect_fail "unknown key 'colour'" --port "tap:name=${tag}a" --port "tap:name=${tag}b,colour=red"
! ip link show "${tag}a" 2>/dev/null || { echo "${tag}a left behind"; exit 1; }
# the same name twice: this vnetd's own port, not "tap in use by another process"
expect_fail "error: --port tap:name=${tag}a: port name '${tag}a' is already used by port 0" \
	--port "tap:name=${tag}a" --port "tap:name=${tag}a"
! ip link show "${tag}a" 2>/dev/null || { echo "${tag}a left behind"; exit 1; }
printf 'port add tap:name=%sa\nport add tap:name=%sa\n' "$tag" "$tag" >"$tmp/dup.conf"
expect_fail "error: --config $tmp/dup.conf:2: port name '${tag}a' is already used by port 0" \
	--socket "$tmp/dsock" --config "$tmp/dup.conf"
! ip link show "${tag}a" 2>/dev/null || { echo "${tag}a left behind"; exit 1; }

# attach to a persistent tap: it stays after vnetd exits; a created one goes
ip tuntap add dev "${tag}p" mode tap vnet_hdr
ip link set "${tag}p" mtu 1400
# link_state NS DEV: MTU and up/down ("" for the root namespace; the qdisc
# the kernel adds on the first up stays)
link_state() { ip ${1:+-n "$1"} -j link show dev "$2" | python3 -c 'import json,sys; l=json.load(sys.stdin)[0]; print(l["mtu"], "UP" in l["flags"])'; }
state_p=$(link_state "" "${tag}p")
vnetd_start "$tmp/out" "$tmp/log" --port "tap:name=${tag}p,create=off" --port "tap:name=${tag}a"
grep -q "port '${tag}p': tap attached" "$tmp/log"
grep -q "port '${tag}a': tap created" "$tmp/log"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z vnetd\[[0-9]+\]: info: ' "$tmp/log"
rc=0
vnetd_stop INT || rc=$?
[ "$rc" = 0 ] || { echo "vnetd exited with $rc after SIGINT"; cat "$tmp/log"; exit 1; }
ip link show "${tag}p" >/dev/null
# ... as it was: vnetd brought it up while it ran, and puts it back down
[ "$(link_state "" "${tag}p")" = "$state_p" ] ||
	{ echo "${tag}p changed: $(ip -o link show "${tag}p")"; exit 1; }
! ip link show "${tag}a" 2>/dev/null || { echo "${tag}a left behind"; exit 1; }
grep -q 'SIGINT: shutting down' "$tmp/log"

# a refused port add changes nothing: another program's persistent tap keeps
# its MTU and state, and no tap is created for a command that fails
ip netns add "${tag}n"
ip -n "${tag}n" tuntap add mode tap "${tag}p"
ip -n "${tag}n" link set "${tag}p" mtu 1400
before=$(ip -n "${tag}n" -o link show "${tag}p" | sed 's/^[0-9]*: //')
[ "$(link_state "${tag}n" "${tag}p")" = "1400 False" ]
vnetd_start "$tmp/out" "$tmp/log" --socket "$tmp/sock" --port "tap:name=${tag}p"
rc=0
"$VNETCTL" -s "$tmp/sock" port add "tap:name=${tag}p,netns=${tag}n,mtu=9000" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -Eq "name in use|already used by port" "$tmp/err" ||
	{ echo "duplicate add: $rc $(cat "$tmp/err")"; exit 1; }
after=$(ip -n "${tag}n" -o link show "${tag}p" | sed 's/^[0-9]*: //')
[ "$after" = "$before" ] || { echo "refused add changed the tap: $before -> $after"; exit 1; }
rc=0
"$VNETCTL" -s "$tmp/sock" port add "tap:name=${tag}z" worker 3 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] || { echo "port add worker 3 on 1 worker: rc $rc"; exit 1; }
grep -q "worker 3 does not exist" "$tmp/log" "$tmp/err" || { echo "no reason given"; cat "$tmp/log"; exit 1; }
! grep -q "port '${tag}z': tap created" "$tmp/log" || { echo "refused add created a tap"; exit 1; }
! ip link show "${tag}z" 2>/dev/null || { echo "${tag}z left behind"; exit 1; }

# SIGHUP (the terminal went away): logged, ignored, vnetd still serves
kill -HUP "$VNETD_PID"
wait_for 10 grep -q "SIGHUP from pid [0-9]*: ignored" "$tmp/log" || { echo "no SIGHUP line"; cat "$tmp/log"; exit 1; }
kill -0 "$VNETD_PID" || { echo "vnetd died of SIGHUP"; exit 1; }
"$VNETCTL" -s "$tmp/sock" port list | grep -q "^${tag}p " || { echo "vnetd does not serve after SIGHUP"; exit 1; }
"$VNETCTL" -s "$tmp/sock" port add "tap:name=${tag}z" >/dev/null
"$VNETCTL" -s "$tmp/sock" port del "${tag}z" >/dev/null
rc=0
vnetd_stop TERM || rc=$?
[ "$rc" = 0 ] || { echo "vnetd exited with $rc after SIGHUP then SIGTERM"; cat "$tmp/log"; exit 1; }
[ ! -e "$tmp/sock" ] || { echo "control socket left behind"; exit 1; }
ip netns del "${tag}n"

# the pair, safely: ends in different VLANs, next to a tap; no storm builds up
vnetd_start "$tmp/out" "$tmp/log" --socket "$tmp/sock" --port "tap:name=${tag}a" \
	--port "pair:name=${tag}x,peer=${tag}y,vlan=10" --port "pair:name=${tag}y,peer=${tag}x,vlan=20"
ip link set "${tag}a" up
# one broadcast from the tap: it crosses the pair once (10 -> 20) and stops
ping -c 1 -W 1 -b -I "${tag}a" 255.255.255.255 >/dev/null 2>&1 || true
sleep 1
rx=$("$VNETCTL" -s "$tmp/sock" --json stats "${tag}x" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["counters"]["rx_packets"])')
[ "$rx" -lt 100 ] || { echo "pair in two VLANs still loops: $rx frames"; exit 1; }
vnetd_stop TERM

# --config runs control commands before "ready"; --socket serves vnetctl
printf '# test config\nport add tap:name=%sc,offload=off\n' "$tag" >"$tmp/conf"
vnetd_start "$tmp/out" "$tmp/log" --socket "$tmp/sock" --config "$tmp/conf" \
	--port "tap:name=${tag}e,queues=2"
grep -q "config $tmp/conf: 1 command run" "$tmp/log"
ip link show "${tag}c" >/dev/null
list=$("$VNETCTL" -s "$tmp/sock" port list)
grep -q "${tag}c" <<<"$list"
# a --port has its spec in port list too, like a port from the config file
"$VNETCTL" -s "$tmp/sock" --json port list | python3 -c "
import json, sys
p = {x['name']: x for x in json.load(sys.stdin)}
assert p['${tag}e']['spec'] == 'tap:name=${tag}e,queues=2' and p['${tag}e']['queues'] == 2, p
assert p['${tag}c']['spec'] == 'tap:name=${tag}c,offload=off', p
# the kind's own details (vn_port_info()): the interface, and that vnetd made it
assert p['${tag}e']['details'] == {'interface': '${tag}e', 'created': 'yes'}, p"
# the human list shows them in its last column
grep -q "interface=${tag}e created=yes" <<<"$list"
# the socket is logged once
[ "$(grep -c "$tmp/sock" "$tmp/log")" = 1 ] || { echo "socket logged more than once:"; cat "$tmp/log"; exit 1; }
rc=0
vnetd_stop TERM || rc=$?
[ "$rc" = 0 ] || { echo "vnetd exited with $rc"; cat "$tmp/log"; exit 1; }
[ ! -e "$tmp/sock" ] || { echo "control socket left behind"; exit 1; }
! ip link show "${tag}c" 2>/dev/null || { echo "${tag}c left behind"; exit 1; }

# one config file: a second --config is refused, not silently preferred
expect_fail "vnetd: --config given twice ('$tmp/conf', '$tmp/conf'): one config file only" \
	--config "$tmp/conf" --config "$tmp/conf"
# a missing config file is said before the control socket is opened
expect_fail "error: --config $tmp/nosuch.conf: No such file or directory" \
	--socket "$tmp/sock" --config "$tmp/nosuch.conf"
! grep -q "listening on" "$tmp/err" || { echo "socket opened before the config was found"; exit 1; }

# a failing config line: exit 1 naming file and line, and its taps removed
printf 'port add tap:name=%sc\nport add tap:name=%sd,vlan=0\n' "$tag" "$tag" >"$tmp/conf"
expect_fail "error: --config $tmp/conf:2: port '${tag}d': bad value '0' for 'vlan' (expected 1-4094)" \
	--socket "$tmp/sock" --config "$tmp/conf"
[ "$(grep -c 'error:' "$tmp/err")" = 1 ] || { echo "config error not one line:"; cat "$tmp/err"; exit 1; }
! ip link show "${tag}c" 2>/dev/null || { echo "${tag}c left behind"; exit 1; }
echo "ok"
