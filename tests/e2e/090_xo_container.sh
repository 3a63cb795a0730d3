#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 090_xo_container.sh - guest XDP offload, the container case: a namespace behind a
# tap port with xdp-offload=SOCK, given the socket itself. vnet-offload --device
# SOCK loads drop_icmp.bpf.o (clang-built, with BTF) at the port's egress: a
# ping from a second namespace to it fails while a TCP transfer (nc, the bytes
# compared) completes; `vnet-offload map dump` shows the counter > 0 (by
# BTF field name with --obj), status counts the drops; `vnetctl xdp list`
# shows the program with OWNER guest; a map update from the guest is seen by
# the operator (vnetctl map dump PORT egress-guest); a refused load
# (bpf_redirect_map: not for guests) says why and leaves the program running;
# unload restores ping; `load --segment-first` runs it on TSO frames cut to
# MTU size (xdp list says so, gso_sw_segs grows, the TCP data is intact).
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 090_xo_container.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
VNETD=$build/src/cmd/vnetd
VNETCTL=$build/src/cmd/vnetctl
XO=$build/src/cmd/vnet-offload
progs=$build/tests/bpf/progs
. "$here/lib_vnetd.sh"

tag=vnxt$RANDOM			# xotool helper tag, unique per run
nsg=${tag}g nsp=${tag}p		# the "container" (guest) and its peer
net=10.$((150 + RANDOM % 50)).$((RANDOM % 250)).
tmp=$(mktemp -d)
sock=$tmp/vnetd.sock xo=$tmp/xo.sock
nc_pid=

cleanup() {
	[ -z "$nc_pid" ] || kill "$nc_pid" 2>/dev/null || true
	vnetd_stop TERM || true
	ip netns del "$nsg" 2>/dev/null || true
	ip netns del "$nsp" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

for ns in "$nsg" "$nsp"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
vnetd_start "$tmp/out" "$tmp/log" -v -s "$sock" \
	--port "tap:name=${tag}g,netns=$nsg,xdp-offload=$xo" \
	--port "tap:name=${tag}p,netns=$nsp"
ip -n "$nsg" link set "${tag}g" up
ip -n "$nsg" addr add "${net}1/24" dev "${tag}g"
ip -n "$nsp" link set "${tag}p" up
ip -n "$nsp" addr add "${net}2/24" dev "${tag}p"
[ "$(stat -c %a "$xo")" = 600 ] || { echo "offload socket mode $(stat -c %a "$xo"), want 600"; exit 1; }

# run vnet-offload "in the container": the namespace, the socket as its device
xo() { ip netns exec "$nsg" "$XO" --device "$xo" --timeout 20 "$@"; }

echo "# before: ping works, nothing loaded"
ip netns exec "$nsp" busybox ping -c 2 -W 2 "${net}1"
xo status | tee "$tmp/st0"
grep -q "^program   none" "$tmp/st0"

echo "# load drop_icmp.bpf.o through the socket"
xo load "$progs/drop_icmp.bpf.o"
xo status | tee "$tmp/st1"
grep -q "^program   " "$tmp/st1"
! grep -q "^program   none" "$tmp/st1"
"$VNETCTL" -s "$sock" xdp list | tee "$tmp/xl"
grep -q "^${tag}g  *egress  *guest  *.*xdp_drop_icmp" "$tmp/xl"
"$VNETCTL" -s "$sock" --json xdp list >"$tmp/xl.json"
python3 - "$tmp/xl.json" "${tag}g" <<'PY'
import json, sys
rows = [r for r in json.load(open(sys.argv[1])) if r.get("port") == sys.argv[2]]
assert len(rows) == 1, f"want one XDP row for the guest port: {rows}"
assert rows[0]["owner"] == "guest", rows[0]
print("vnetctl xdp list: owner", rows[0]["owner"])
PY

echo "# ping to the container fails (its echo requests die at its port's egress)"
! ip netns exec "$nsp" busybox ping -c 3 -W 1 "${net}1"
echo "# TCP to it works: 4 MiB with nc, compared at the far end"
head -c $((4 << 20)) /dev/urandom >"$tmp/data"
nc_check "$nsp" "$nsg" "${net}1" "$tmp/data"
echo "TCP 4 MiB ok"

echo "# the guest reads its counter: > 0"
xo --json map dump icmp_drops >"$tmp/dump.json"
cat "$tmp/dump.json"
python3 - "$tmp/dump.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["entries"]
n = int.from_bytes(bytes.fromhex(e[0]["value"]), "little")
print("icmp_drops[0] =", n)
sys.exit(0 if n >= 3 else 1)
PY
xo --obj "$progs/drop_icmp.bpf.o" map dump icmp_drops | tee "$tmp/dump.txt"
grep -qE "^0  +[1-9][0-9]*$" "$tmp/dump.txt"
xo map list | tee "$tmp/ml"
grep -qE "^ +0  icmp_drops  array +4 +8 +1 " "$tmp/ml"
xo --json status >"$tmp/st.json"
python3 -c 'import json,sys
s = json.load(open(sys.argv[1])); print(s)
sys.exit(0 if s["loaded"] and s["counters"]["xdp_drop"] >= 3 and s["counters"]["xdp_pass"] > 0 else 1)' "$tmp/st.json"

echo "# the guest writes its map; the operator reads the same entry"
xo map update icmp_drops 00000000 0100000000000000
xo map lookup icmp_drops 00000000 | tee "$tmp/lk"
grep -q "^00000000  0100000000000000$" "$tmp/lk"
! xo map lookup icmp_drops 00 2>"$tmp/err"
grep -q "^Error: KEY must be 4 bytes in hex (8 hex digits)" "$tmp/err"
! xo map dump nosuch 2>"$tmp/err"
grep -q "^Error: no map \"nosuch\"" "$tmp/err"
"$VNETCTL" -s "$sock" --json map dump "${tag}g" egress-guest icmp_drops >"$tmp/op.json"
grep -q '"value": *"0100000000000000"' "$tmp/op.json"
echo "vnetctl map dump ${tag}g egress-guest sees the guest's update"

echo "# a refused load says why and leaves the program running"
! xo load "$progs/redirect.bpf.o" 2>"$tmp/err"
cat "$tmp/err"
grep -q "^Error: .*not allowed for guest programs" "$tmp/err"
! ip netns exec "$nsp" busybox ping -c 2 -W 1 "${net}1"

echo "# unload: ping works again"
xo unload
ip netns exec "$nsp" busybox ping -c 2 -W 2 "${net}1"

echo "# load --segment-first: the program sees TSO frames cut to MTU size"
segs() {
	"$VNETCTL" -s "$sock" stats "${tag}g" --all | awk '$1 == "gso_sw_segs" { v = $2 } END { print v + 0 }'
}
segs0=$(segs)
xo load --segment-first "$progs/drop_icmp.bpf.o"
"$VNETCTL" -s "$sock" xdp list | tee "$tmp/xl3"
grep -q "^${tag}g  *egress  *guest  *guest:xdp_drop_icmp (segment-first)" "$tmp/xl3"
! ip netns exec "$nsp" busybox ping -c 2 -W 1 "${net}1"
nc_check "$nsp" "$nsg" "${net}1" "$tmp/data"
segs1=$(segs)
echo "TCP 4 MiB ok through the segment-first program; gso_sw_segs $segs0 -> $segs1"
[ "$segs1" -gt "$segs0" ] || { echo "no TSO frame was cut for the segment-first program"; exit 1; }
xo unload
! xo unload 2>"$tmp/err"
grep -q "^Error: " "$tmp/err"
xo status | grep -q "^program   none"
"$VNETCTL" -s "$sock" xdp list | tee "$tmp/xl2"
! grep -q "^${tag}g " "$tmp/xl2"

echo "# no server: vnet-offload gives up after --timeout, exit 1"
rc=0
"$XO" --device "$tmp/nothing.sock" --timeout 1 status 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q "gave up after 1 s" "$tmp/err"
vnetd_stop TERM
echo "ok"
