#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 092_xo_unprivileged.sh - vnetd serving only vhost-user ports, guest XDP offload
# included, as an unprivileged user: uid nobody, no capabilities at all
# (effective, permitted, inheritable, bounding and ambient sets empty,
# no_new_privs). The vhost-user test front-end (bench_xo) plays a source port
# and a guest port; the guest's program is loaded through the port's
# xdp-offload socket by vnet-offload, also as nobody:
#   no program      the guest receives the source's frames;
#   xdp1 (drop)     the guest receives none, vnetd counts every one dropped;
#   xdp2 (MAC swap) XDP_TX: the frames come back to the source, the guest
#                   receiving none.
# The assertions are counts, never rates.
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 092_xo_unprivileged.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD_BIN=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
XO=$build/src/cmd/vnet-offload
BENCH=$build/bench/bench_xo
progs=$build/tests/bpf/progs
. "$here/lib_vnetd.sh"
command -v setpriv >/dev/null || { echo "setpriv missing (util-linux)"; exit 1; }

tmp=$(mktemp -d)
chmod 0755 "$tmp"
run=$tmp/run			# the unprivileged daemon's own directory
install -d -o nobody -g nogroup -m 0700 "$run"
cp "$progs/xdp1.bpf.o" "$progs/xdp2.bpf.o" "$tmp/"
chmod 0644 "$tmp"/*.bpf.o

cleanup() {
	vnetd_stop TERM || true
	rm -rf "$tmp"
}
trap cleanup EXIT

unpriv=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all
	--bounding-set=-all --no-new-privs --)
echo "# vnetd as nobody, no capabilities: two vhost-user ports, offload on vg"
VNETD=${unpriv[0]}
vnetd_start "$tmp/out" "$tmp/log" "${unpriv[@]:1}" "$VNETD_BIN" -v -s "$run/ctl.sock" \
	--port "vhost-user:name=va,path=$run/va.sock" \
	--port "vhost-user:name=vg,path=$run/vg.sock,xdp-offload=$run/xo.sock"
grep -E "^(Uid|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):" "/proc/$VNETD_PID/status" | tee "$tmp/st"
[ "$(awk '/^Uid:/ { print $2 }' "$tmp/st")" = "$(id -u nobody)" ]
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	grep -q "^$c:[[:space:]]*0000000000000000$" "$tmp/st" || { echo "$c not empty"; exit 1; }
done
[ "$(stat -c '%U %a' "$run/xo.sock")" = "nobody 600" ]

# the front-end runs as nobody too (it connects to nobody's 0700 directory)
nobody() { "${unpriv[@]}" "$@"; }
xo="$XO --device $run/xo.sock --timeout 20"

# field N=... of bench_xo's output line
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }

echo "# no program: the guest receives the frames"
out=$(nobody "$BENCH" "$run/va.sock" "$run/vg.sock" drop 1 0.2)
echo "$out"
[ "$(field sent "$out")" -gt 0 ] && [ "$(field guest_rx "$out")" -gt 0 ]

echo "# xdp1 loaded through the socket by vnet-offload: vnetd drops every frame"
out=$(nobody "$BENCH" "$run/va.sock" "$run/vg.sock" drop-off 1 0.2 \
	"$xo load $tmp/xdp1.bpf.o" "$xo --json status >$run/st1.json")
echo "$out"
cat "$run/st1.json"
[ "$(field sent "$out")" -gt 0 ]
[ "$(field guest_rx "$out")" = 0 ]
python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if s["loaded"] and s["counters"]["xdp_drop"] > 0 and s["counters"]["xdp_pass"] == 0 else 1)' "$run/st1.json"

echo "# the front-end disconnected: the guest program is gone with it"
$xo status | tee "$tmp/st2"
grep -q "^program   none" "$tmp/st2"
"$VNETCTL" -s "$run/ctl.sock" xdp list | tee "$tmp/xl"
! grep -q "^vg " "$tmp/xl"

echo "# xdp2 (XDP_TX): the frames come back to the source, the guest sees none"
out=$(nobody "$BENCH" "$run/va.sock" "$run/vg.sock" tx-off 1 0.2 \
	"$xo load $tmp/xdp2.bpf.o" "$xo --json status >$run/st3.json")
echo "$out"
cat "$run/st3.json"
[ "$(field back "$out")" -gt 0 ] && [ "$(field guest_rx "$out")" = 0 ]
python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if s["counters"]["xdp_tx"] > 0 else 1)' "$run/st3.json"

vnetd_stop TERM
! grep -qi "permission denied\|operation not permitted" "$tmp/log" || { cat "$tmp/log"; exit 1; }
echo "ok"
