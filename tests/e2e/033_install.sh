#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 033_install.sh - what `make install` ships, used as a user would use it
#
# 1. A plain `make` (build dir set up for /usr/local), then
#    `make install PREFIX=P`: every file lands under P, none under
#    /usr/local, and the unit names P; DESTDIR= stages under DESTDIR/P.
# 2. The installed vnetd-bpf-cc builds examples/proto_count.bpf.c, and
#    vnetd attaches the object it made.
# 3. The installed unit passes `systemd-analyze verify`; vnetd under the
#    unit's own capability set (read from the unit, with no_new_privs)
#    opens a netns= tap, and cannot with CAP_NET_ADMIN alone.
set -Eeuo pipefail
trap 'echo "FAILED at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
build=${1:?usage: 033_install.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
. "$here/lib_vnetd.sh"

tag=vnin$RANDOM			# unique per run
tmp=$(mktemp -d)
ns=${tag}n
cleanup() {
	vnetd_stop TERM || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# make as a user runs it: nothing inherited from a make running this test
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u PREFIX -u DESTDIR make "$@"; }

echo "## 1. make, then make install PREFIX=$tmp/prefix"
b=$tmp/build
# the unit tests are not needed to install: a smaller build of the same tree
mk -C "$src" BUILD="$b" MESON_OPTS=-Dtests=false >"$tmp/make.log" 2>&1 ||
	{ tail -30 "$tmp/make.log"; exit 1; }
prefix0=$(meson introspect "$b" --buildoptions |
	python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
[ "$prefix0" = /usr/local ]
p=$tmp/prefix
mk -C "$src" BUILD="$b" PREFIX="$p" install >"$tmp/install.log" 2>&1 ||
	{ tail -30 "$tmp/install.log"; exit 1; }
! grep -n "/usr/local" "$tmp/install.log"
for f in sbin/vnetd sbin/vnetctl bin/vnetd-bpf-cc bin/vnet-bpf-run bin/vnet-offload \
	 share/man/man1/vnet-offload.1 share/man/man8/vnetd.8 \
	 share/man/man8/vnetctl.8 share/bash-completion/completions/vnetctl \
	 lib/systemd/system/vnetd.service; do
	[ -e "$p/$f" ] || { echo "missing $p/$f"; ls -R "$p"; exit 1; }
done
[ -x "$p/bin/vnetd-bpf-cc" ] && [ -x "$p/sbin/vnetd" ]
grep -qx "ExecStart=$p/sbin/vnetd -c $p/etc/vnetd/vnetd.conf --socket /run/vnetd/vnetd.sock" \
	"$p/lib/systemd/system/vnetd.service"
grep -qx "ConditionPathExists=$p/etc/vnetd/vnetd.conf" "$p/lib/systemd/system/vnetd.service"
echo "# DESTDIR stages the same tree under DESTDIR/PREFIX"
mk -C "$src" BUILD="$b" PREFIX=/opt/vnetd DESTDIR="$tmp/dest" install >"$tmp/install2.log" 2>&1 ||
	{ tail -30 "$tmp/install2.log"; exit 1; }
[ -x "$tmp/dest/opt/vnetd/sbin/vnetd" ] && [ -x "$tmp/dest/opt/vnetd/bin/vnetd-bpf-cc" ]
grep -q "ExecStart=/opt/vnetd/sbin/vnetd " "$tmp/dest/opt/vnetd/lib/systemd/system/vnetd.service"

echo "## 2. the installed vnetd-bpf-cc builds the example; vnetd runs it"
cp "$src/examples/proto_count.bpf.c" "$tmp/"
(cd "$tmp" && "$p/bin/vnetd-bpf-cc" proto_count.bpf.c)
"$p/bin/vnetd-bpf-cc" "$tmp/proto_count.bpf.c" -o "$tmp/pc2.o" -Wall -Werror
# both are 64-bit little-endian ELF objects for EM_BPF (247)
python3 - "$tmp/proto_count.bpf.o" "$tmp/pc2.o" <<'PY'
import struct, sys
for f in sys.argv[1:]:
    h = open(f, "rb").read(20)
    ok = h[:4] == b"\x7fELF" and h[4] == 2 and h[5] == 1 and struct.unpack("<H", h[18:20])[0] == 247
    if not ok:
        sys.exit("%s is not a BPF object" % f)
PY
"$p/bin/vnetd-bpf-cc" --help | grep -q "^Usage: vnetd-bpf-cc PROG.bpf.c"
rc=0; "$p/bin/vnetd-bpf-cc" 2>/dev/null || rc=$?
[ "$rc" = 2 ]
VNETD=$p/sbin/vnetd
vnetd_start "$tmp/out1" "$tmp/log1" -v -s "$tmp/v.sock" --port "tap:name=${tag}a" \
	--xdp "${tag}a:ingress:$tmp/proto_count.bpf.o"
grep -q "ingress XDP program proto_count.bpf.o:xdp_proto_count attached" "$tmp/log1"
"$p/sbin/vnetctl" -s "$tmp/v.sock" map list "${tag}a" ingress | grep -q "^proto_count  *hash "
vnetd_stop TERM

echo "## 3. the unit: systemd-analyze verify, and vnetd under its capabilities"
unit=$p/lib/systemd/system/vnetd.service
MANPATH=$p/share/man systemd-analyze verify "$unit"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[ "$(sed -n 's/^AmbientCapabilities=//p' "$unit")" = "$caps" ]
set_of() { local c out=; for c in "$@"; do c=${c#CAP_}; out+=",+${c,,}"; done; echo "-all$out"; }
# setpriv execs vnetd: VNETD_PID is vnetd's own pid
VNETD=setpriv
# shellcheck disable=SC2086 # one word per capability
unit_caps=$(set_of $caps)
ip netns add "$ns"
vnetd_start "$tmp/out2" "$tmp/log2" --bounding-set="$unit_caps" --inh-caps="$unit_caps" \
	--ambient-caps="$unit_caps" --no-new-privs -- "$p/sbin/vnetd" -v -s "$tmp/v.sock" \
	--port "tap:name=${tag}b,netns=$ns"
grep -q "port '${tag}b': tap created in netns $ns" "$tmp/log2"
grep -q "^CapEff:.*" /proc/"$VNETD_PID"/status
# the daemon really runs with the unit's set, not root's full one
python3 - "$VNETD_PID" "$caps" <<'PY'
import sys
bits = {"CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_SYS_ADMIN": 21, "CAP_BPF": 39}
want = sum(1 << bits[c] for c in sys.argv[2].split())
eff = [int(l.split()[1], 16) for l in open("/proc/%s/status" % sys.argv[1]) if l.startswith("CapEff:")][0]
sys.exit(0 if eff == want else "CapEff %x, want %x" % (eff, want))
PY
ip -n "$ns" link show "${tag}b" >/dev/null
"$p/sbin/vnetctl" -s "$tmp/v.sock" port list | grep -q "^${tag}b "
vnetd_stop TERM
! ip -n "$ns" link show "${tag}b" 2>/dev/null
echo "# CAP_NET_ADMIN alone (the unit as it was) cannot enter the namespace"
na=$(set_of CAP_NET_ADMIN)
rc=0
setpriv --bounding-set="$na" --inh-caps="$na" --ambient-caps="$na" --no-new-privs -- \
	"$p/sbin/vnetd" -s "$tmp/v.sock" --port "tap:name=${tag}c,netns=$ns" \
	>"$tmp/out3" 2>"$tmp/log3" || rc=$?
[ "$rc" = 1 ]
grep -q "netns /run/netns/$ns: Operation not permitted" "$tmp/log3"
echo "ok"
