#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# build-image.sh - build (or find in the cache) the vnetd test guest image
#
# Usage: tests/guest/build-image.sh [options]
#   --cache DIR      where images live (default: BUILD/guest of this checkout,
#                    i.e. <repo>/build/guest)
#   --kernel KVER    kernel version under /lib/modules with /boot/vmlinuz-KVER
#                    (default: the newest such one with virtio_net.ko)
#   --bin PROG       one more host program, with the shared libraries ldd
#                    lists (repeatable; iperf3 and ethtool are always in)
#   --file HOST:GUEST  one more host file, at GUEST in the image (repeatable)
#   --module NAME    one more kernel module, with its dependencies (repeatable;
#                    virtio_pci, virtio_net and virtio_console are always in)
#   --force          build even when the cache has this image
#   -h, --help       this text
# Prints the image directory (vmlinuz, initrd.cpio.gz, manifest) on stdout.
#
# The image: Debian's kernel (linux-image-amd64), busybox-static with one
# link per applet, iperf3 and ethtool with their libraries, the virtio
# modules in load order, and tests/guest/init.sh as /init. It is named after
# the SHA-256 of its manifest: this script and init.sh, the kernel version,
# the Debian package versions, and the SHA-256 of every extra file. Same
# inputs, same directory: nothing is rebuilt. A changed input gives a new
# directory; the four newest are kept. Needs: busybox-static, cpio, gzip,
# linux-image-amd64 (no root: the archive has no device nodes, init.sh
# mounts devtmpfs first).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

cache=$repo/build/guest
kver=
force=0
bins=(iperf3 ethtool)
files=()
modules=(virtio_pci virtio_net virtio_console)

die() {
	echo "build-image.sh: $*" >&2
	exit 1
}

usage() {
	sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=${2:?--cache DIR}; shift 2 ;;
	--kernel) kver=${2:?--kernel KVER}; shift 2 ;;
	--bin) bins+=("${2:?--bin PROG}"); shift 2 ;;
	--file) files+=("${2:?--file HOST:GUEST}"); shift 2 ;;
	--module) modules+=("${2:?--module NAME}"); shift 2 ;;
	--force) force=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown option '$1' (--help lists them)" ;;
	esac
done

# newest kernel that has both an image in /boot and a virtio_net module
pick_kernel() {
	local k
	for k in $(ls -1 /lib/modules 2>/dev/null | sort -rV); do
		[ -r "/boot/vmlinuz-$k" ] || continue
		grep -q '/virtio_net\.ko' "/lib/modules/$k/modules.dep" 2>/dev/null || continue
		echo "$k"
		return 0
	done
	return 1
}

# modules.dep: "kernel/a/b.ko: kernel/c.ko kernel/d.ko" lists every
# dependency of b.ko. Print the .ko paths to load for the named modules,
# dependencies first (depth-first, post-order, each path once).
module_order() {
	awk -v want="$*" '
	function norm(p,  b) { b = p; sub(/.*\//, "", b); sub(/\.ko.*$/, "", b); gsub(/-/, "_", b); return b }
	function visit(p,  n, i, d) {
		if (p in done) return
		done[p] = 1
		n = split(deps[p], d, " ")
		for (i = 1; i <= n; i++) visit(d[i])
		print p
	}
	{ p = $1; sub(/:$/, "", p); $1 = ""; deps[p] = $0; path[norm(p)] = p }
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			m = w[i]; gsub(/-/, "_", m)
			if (!(m in path)) { print "missing " w[i] > "/dev/stderr"; bad = 1; continue }
			visit(path[m])
		}
		exit bad
	}' "/lib/modules/$kver/modules.dep"
}

# the program's path followed by every shared library ldd resolves for it
with_libs() {
	local p
	p=$(command -v "$1") || die "program '$1' not found on this host"
	echo "$p"
	ldd "$p" 2>/dev/null | grep -oE '/[^ ]+' | sort -u || true
}

# "PATH name=version" for each PATH on stdin that a Debian package owns;
# one dpkg-query call for all (dpkg may know a merged-/usr file by either path)
pkg_versions() {
	local paths
	paths=$(awk '{ print; if (sub(/^\/usr/, "")) print; else print "/usr" $0 }')
	dpkg-query -S $paths 2>/dev/null | sed -n 's/^\([^,:]*\)[^:]*: \(.*\)$/\1 \2/p' >"$tmp/owners" || true
	awk '{ print $1 }' "$tmp/owners" | sort -u |
		xargs -r dpkg-query -W -f '${Package} ${Version}\n' 2>/dev/null >"$tmp/versions" || true
	awk 'FILENAME ~ /versions$/ { ver[$1] = $2; next }
	     { f = $2; p = $1 "=" ver[$1]; own[f] = p; if (sub(/^\/usr/, "", f)) own[f] = p; else own["/usr" f] = p }
	     END { for (f in own) print f, own[f] }' "$tmp/versions" "$tmp/owners"
}

[ -n "$kver" ] || kver=$(pick_kernel) ||
	die "no kernel with /boot/vmlinuz-* and virtio_net.ko: apt-get install linux-image-amd64"
[ -r "/boot/vmlinuz-$kver" ] || die "/boot/vmlinuz-$kver not readable"
bb=$(command -v busybox) || die "busybox not found: apt-get install busybox-static"
! ldd "$bb" >/dev/null 2>&1 || die "$bb is not static: apt-get install busybox-static"
command -v cpio >/dev/null || die "cpio not found: apt-get install cpio"

# Everything that goes into the image, as "HOST GUEST" lines.
kos=$(module_order "${modules[@]}") || die "kernel $kver lacks a module above"
list=$(
	echo "$bb /bin/busybox"
	echo "$here/init.sh /init"
	for ko in $kos; do echo "/lib/modules/$kver/$ko /lib/modules/${ko##*/}"; done
	for b in "${bins[@]}"; do
		with_libs "$b" | while read -r f; do
			case $f in
			"$(command -v "$b")") echo "$f /usr/bin/${f##*/}" ;;
			*) echo "$f $f" ;;
			esac
		done
	done
	for spec in "${files[@]}"; do
		[ -r "${spec%%:*}" ] && [ "${spec#*:}" != "$spec" ] ||
			die "--file '$spec': want a readable HOST:GUEST"
		echo "${spec%%:*} /${spec#*:}"
	done
	for f in /etc/protocols /etc/services; do [ -r $f ] && echo "$f $f"; done
) || exit 1
list=$(awk '!seen[$2]++' <<<"$list")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
owners=$( (echo "/boot/vmlinuz-$kver"; awk '{ print $1 }' <<<"$list") | pkg_versions)

# The manifest names the inputs; its hash names the image.
manifest=$(
	echo "builder $(sha256sum <"$0" | cut -d' ' -f1)"
	echo "kernel $kver $(awk -v f="/boot/vmlinuz-$kver" '$1 == f { print $2 }' <<<"$owners")"
	echo "modules $(echo $kos)"
	while read -r host guest; do
		pkg=$(awk -v f="$host" '$1 == f { print $2; exit }' <<<"$owners")
		if [ -n "$pkg" ]; then
			echo "file $guest $pkg"
		else
			echo "file $guest sha256:$(sha256sum <"$host" | cut -d' ' -f1)"
		fi
	done <<<"$list"
)
key=$(sha256sum <<<"$manifest" | cut -c1-16)
img=$cache/img-$key

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9	# two guests starting at once build the image once
if [ $force = 0 ] && [ -r "$img/ready" ]; then
	echo "$img"
	exit 0
fi

t0=$(date +%s.%N)
root=$(mktemp -d "$cache/root.XXXXXX")
trap 'rm -rf "$tmp" "$root" "$img.tmp"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc,lib/modules,vn}
echo "$list" | while read -r host guest; do
	mkdir -p "$root${guest%/*}"
	cp -L "$host" "$root$guest"
done
chmod 755 "$root/init"
for ko in $kos; do echo "${ko##*/}"; done >"$root/lib/modules/load-order"
for applet in $("$bb" --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo '127.0.0.1 localhost' >"$root/etc/hosts"

rm -rf "$img.tmp"
mkdir -p "$img.tmp"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -6 >"$img.tmp/initrd.cpio.gz"
cp "/boot/vmlinuz-$kver" "$img.tmp/vmlinuz"
echo "$manifest" >"$img.tmp/manifest"
touch "$img.tmp/ready"
rm -rf "$img"
mv "$img.tmp" "$img"
# keep the four newest images
ls -1dt "$cache"/img-* 2>/dev/null | tail -n +5 | xargs -r rm -rf
echo "build-image.sh: built $img ($(du -sh "$img" | cut -f1), kernel $kver," \
	"$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)" >&2
echo "$img"
