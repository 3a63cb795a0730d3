#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 031_vnetd_cli.sh - vnetd's command line: help, bad arguments and unopenable
# ports exit 1 with a message naming the culprit and leave no tap behind;
# a persistent tap vnetd attached to survives its shutdown.
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
ver=$("$VNETD" --version)
grep -q '^vnetd [0-9]' <<<"$ver"

expect_fail "unknown option '--frobnicate'" --frobnicate
expect_fail "option '--port' needs a value" --port
expect_fail "--workers: '0' is not a number" --workers 0
expect_fail "--workers: 'two' is not a number" --workers two
expect_fail "--aging: '-5' is not a number" --aging -5
expect_fail "--poll-us: '10001' is not a number" --poll-us 10001
expect_fail "--cpus '3-1': not a CPU list" --cpus 3-1
expect_fail "--cpus '0,0': not a CPU list" --cpus 0,0
expect_fail "--cpus: CPU 4095 is offline or not allowed" --cpus 4095
expect_fail "unexpected argument 'tap:name=x'" tap:name=x
expect_fail "error: --port: port spec 'nosuch:name=x': unknown kind 'nosuch' (kinds: tap, pair, vhost-user)" \
	--port nosuch:name=x
expect_fail "error: --port: port spec 'tap:name=${tag}a,trunk=10,20': '20' is not key=value (trunk VLANs are separated by ':', e.g. trunk=10:20)" \
	--port "tap:name=${tag}a,trunk=10,20"
expect_fail "error: --port: port spec 'tap:name=${tag}a,vlan=10,vlan=20': duplicate key 'vlan'" \
	--port "tap:name=${tag}a,vlan=10,vlan=20"
expect_fail "error: --port: port spec 'tap:${tag}a': '${tag}a' is not key=value (did you mean name=${tag}a?)" \
	--port "tap:${tag}a"
expect_fail "error: --port: port '${tag} a': invalid interface name (no '/', ':', blanks, '.' or '..')" \
	--port "tap:name=${tag} a"
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
vnetd_start "$tmp/out" "$tmp/log" --port "tap:name=${tag}p,create=off" --port "tap:name=${tag}a"
grep -q "port '${tag}p': tap attached" "$tmp/log"
grep -q "port '${tag}a': tap created" "$tmp/log"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z vnetd\[[0-9]+\]: info: ' "$tmp/log"
rc=0
vnetd_stop INT || rc=$?
[ "$rc" = 0 ] || { echo "vnetd exited with $rc after SIGINT"; cat "$tmp/log"; exit 1; }
ip link show "${tag}p" >/dev/null
! ip link show "${tag}a" 2>/dev/null || { echo "${tag}a left behind"; exit 1; }
grep -q 'SIGINT: shutting down' "$tmp/log"

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
assert p['${tag}c']['spec'] == 'tap:name=${tag}c,offload=off', p"
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
