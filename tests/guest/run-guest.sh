#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-guest.sh - boot the vnetd test guest under QEMU, run a command in it
#
# Usage: tests/guest/run-guest.sh NIC [options]
# NIC (one of):
#   --vhost-user SOCK  virtio-net on a vhost-user socket; QEMU connects to SOCK
#   --tap NAME         virtio-net on tap NAME (an existing one, or QEMU makes it)
#   --no-net           no NIC
# vhost-user:
#   --vu-server        QEMU listens on SOCK and waits for the backend to connect
#   --vu-reconnect S   client: if the backend goes, reconnect every S seconds
#   --queues N         N queue pairs (mq=on; tap: a multi-queue tap)
# NIC options:
#   --mac MAC          (default 52:54:00:12:34:56)
#   --no-offloads      no checksum offload, TSO, UFO or ECN either way
#   --no-mrg-rxbuf     no mergeable receive buffers
#   --nic-opt K=V      one more virtio-net-pci property, e.g. packed=on,
#                      rx_queue_size=1024 (repeatable)
# Guest:
#   --ip A.B.C.D/NN    eth0's address      --gw A.B.C.D   default route
#   --mtu N            eth0's MTU
#   --cmd CMD          run CMD (sh) in the guest, then power off; the exit
#                      status of this script is CMD's
#   --cmd-file FILE    the same with a script file (no length limit either way:
#                      the command travels in the initrd, not on the cmdline)
#   --file HOST:GUEST  copy a host file into the guest at GUEST (repeatable)
#   --bin PROG         a host program with its shared libraries, in /usr/bin
#                      (repeatable; part of the cached image)
#   --module NAME      one more kernel module, loaded at boot (repeatable)
#   --vport NAME[:file:PATH|:socket:PATH|:connect:PATH]
#                      a virtio-serial port called NAME (guest:
#                      /dev/virtio-ports/NAME); its host side is a file that
#                      gets what the guest writes, a unix socket QEMU listens
#                      on, a unix socket QEMU connects to (and reconnects to
#                      every second: vnetd's xdp-offload=PATH), or (NAME
#                      alone) nothing
# QEMU:
#   --console FILE     serial console into FILE (default: this terminal)
#   --timeout S        stop QEMU after S seconds; exit status 124
#   --name NAME        QEMU -name          --mem MB (default 256)   --smp N
#   --accel A          auto (default), kvm or tcg (see below)
#   --kernel FILE      boot this kernel instead of the image's
#   --append ARGS      more kernel command line     --verbose  kernel messages
#   --qemu ARG         one more QEMU argument, as is (repeatable), e.g.
#                      --qemu -device --qemu virtio-rng-pci
#   --cache DIR        image cache (default <repo>/build/guest)
#   --dry-run          print the QEMU command line and exit
#   -h, --help         this text
# Exit status: the guest command's; 124 timeout; 125 QEMU failed or the guest
# ended without a status; 2 bad usage.
#
# Accelerator: auto takes KVM when /dev/kvm is usable, except when it comes
# from kvm_pvm (a PVM host: it runs only PVM-built guest kernels, a stock
# Debian kernel hangs early), then TCG. Under TCG a vhost-user NIC gets
# vectors=0: QEMU 7.2 crashes starting vhost-user with MSI-X under TCG.
# Guest RAM is always a shared memfd (vhost-user backends map it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

net='' sock='' tap='' vu_server=0 vu_reconnect='' queues=1
mac=52:54:00:12:34:56 nic_opts=()
ip='' gw='' mtu='' cmd='' have_cmd=0 files=() img_opts=() vports=()
console='' timeout='' name=vnetd-guest mem=256 smp=1 accel=auto kernel='' append=''
verbose=0 qemu_extra=() cache=$repo/build/guest dry=0

die() {
	echo "run-guest.sh: $*" >&2
	exit 2
}

usage() {
	sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

offloads_off=(csum=off guest_csum=off gso=off host_tso4=off host_tso6=off host_ecn=off
	host_ufo=off guest_tso4=off guest_tso6=off guest_ecn=off guest_ufo=off)

while [ $# -gt 0 ]; do
	case $1 in
	--vhost-user) net=vhost-user; sock=${2:?}; shift 2 ;;
	--tap) net=tap; tap=${2:?}; shift 2 ;;
	--no-net) net=none; shift ;;
	--vu-server) vu_server=1; shift ;;
	--vu-reconnect) vu_reconnect=${2:?}; shift 2 ;;
	--queues) queues=${2:?}; shift 2 ;;
	--mac) mac=${2:?}; shift 2 ;;
	--no-offloads) nic_opts+=("${offloads_off[@]}"); shift ;;
	--no-mrg-rxbuf) nic_opts+=(mrg_rxbuf=off); shift ;;
	--nic-opt) nic_opts+=("${2:?}"); shift 2 ;;
	--ip) ip=${2:?}; shift 2 ;;
	--gw) gw=${2:?}; shift 2 ;;
	--mtu) mtu=${2:?}; shift 2 ;;
	--cmd) cmd=$2; have_cmd=1; shift 2 ;;
	--cmd-file) cmd=$(cat "${2:?}") || die "cannot read $2"; have_cmd=1; shift 2 ;;
	--file) files+=("${2:?}"); shift 2 ;;
	--bin) img_opts+=(--bin "${2:?}"); shift 2 ;;
	--module) img_opts+=(--module "${2:?}"); shift 2 ;;
	--vport) vports+=("${2:?}"); shift 2 ;;
	--console) console=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--name) name=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--accel) accel=${2:?}; shift 2 ;;
	--kernel) kernel=${2:?}; shift 2 ;;
	--append) append+=" ${2:?}"; shift 2 ;;
	--verbose) verbose=1; shift ;;
	--qemu) qemu_extra+=("${2:?}"); shift 2 ;;
	--cache) cache=${2:?}; shift 2 ;;
	--dry-run) dry=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown option '$1' (--help lists them)" ;;
	esac
done
[ -n "$net" ] || die "say where the NIC goes: --vhost-user SOCK, --tap NAME or --no-net"
[[ $queues =~ ^[1-9][0-9]*$ ]] || die "--queues wants a positive number"
[ -z "$timeout" ] || [[ $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants seconds"
qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found: apt-get install qemu-system-x86"

# --- accelerator
pvm=0
[ -d /sys/module/kvm_pvm ] && pvm=1
kvm_ok=0
[ -r /dev/kvm ] && [ -w /dev/kvm ] && kvm_ok=1
case $accel in
auto)
	accel=tcg
	if [ $kvm_ok = 1 ] && [ $pvm = 0 ]; then
		accel=kvm
	elif [ $kvm_ok = 1 ]; then
		echo "run-guest.sh: /dev/kvm is PVM (kvm_pvm), which cannot boot Debian's kernel: TCG" >&2
	fi ;;
kvm) [ $kvm_ok = 1 ] || die "--accel kvm: /dev/kvm is not usable" ;;
tcg) ;;
*) die "--accel wants auto, kvm or tcg" ;;
esac
if [ $accel = kvm ]; then
	# PVM's KVM aborts QEMU on the host CPU model's ARCH_CAPABILITIES MSR
	cpu=host
	[ $pvm = 1 ] && cpu=host,-arch-capabilities
else
	cpu=max
fi

# --- image (built on first use, cached), and a folder for this run
img=$("$here/build-image.sh" --cache "$cache" "${img_opts[@]}") || die "no guest image"
run=$(mktemp -d "${TMPDIR:-/tmp}/vnetd-guest.XXXXXX")
qpid=
cleanup() {
	if [ -n "$qpid" ]; then
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	rm -rf "$run"
}
trap cleanup EXIT

# --- the run's own archive: settings, command, extra files
mkdir -p "$run/root/vn"
{
	printf 'VN_IP=%q\nVN_GW=%q\nVN_MTU=%q\n' "$ip" "$gw" "$mtu"
	vnames=''
	for v in "${vports[@]}"; do vnames="$vnames ${v%%:*}"; done
	printf 'VN_VPORTS=%q\n' "${vnames# }"
} >"$run/root/vn/config"
[ $have_cmd = 1 ] && printf '%s\n' "$cmd" >"$run/root/vn/cmd"
for spec in "${files[@]}"; do
	src=${spec%%:*} dst=${spec#*:}
	[ "$dst" != "$spec" ] && [ -n "$dst" ] || die "--file '$spec': want HOST:GUEST"
	[ -r "$src" ] || die "--file '$spec': cannot read $src"
	mkdir -p "$run/root/$(dirname "/$dst")"
	cp -L "$src" "$run/root/$dst"
done
# The kernel unpacks every cpio archive in the initrd in turn; later files
# win. The image's archive is gzip'd, this one is plain, and the kernel takes
# a plain archive only at an offset that is a multiple of 4 (it skips zero
# bytes between archives): pad, or the guest silently boots without it.
(cd "$run/root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$run/run.cpio"
base=$(stat -c %s "$img/initrd.cpio.gz")
{
	cat "$img/initrd.cpio.gz"
	head -c $(((4 - base % 4) % 4)) /dev/zero
	cat "$run/run.cpio"
} >"$run/initrd"

# --- QEMU command line
kargs="console=ttyS0 panic=-1"
[ $verbose = 1 ] || kargs+=" quiet loglevel=3"
kargs+=$append
args=(-name "$name" -nodefaults -no-user-config -nographic -vga none -no-reboot
	-machine "q35,memory-backend=ram0" -accel "$accel" -cpu "$cpu" -smp "$smp" -m "${mem}M"
	-object "memory-backend-memfd,id=ram0,size=${mem}M,share=on"
	-kernel "${kernel:-$img/vmlinuz}" -initrd "$run/initrd" -append "$kargs")
if [ -n "$console" ]; then
	args+=(-chardev "file,id=con0,path=$console" -serial chardev:con0 -monitor none)
elif [ -t 0 ] && [ $have_cmd = 0 ]; then
	# interactive: Ctrl-A x quits, Ctrl-A c switches to the monitor
	args+=(-chardev "stdio,id=con0,mux=on,signal=off" -serial chardev:con0 -mon chardev=con0)
else
	args+=(-chardev "stdio,id=con0" -serial chardev:con0 -monitor none)
fi
# ttyS1: the guest writes the command's exit status here
args+=(-chardev "file,id=status0,path=$run/status" -serial chardev:status0)

nic=virtio-net-pci,netdev=net0,mac=$mac,romfile=
case $net in
vhost-user)
	ch=socket,id=vu0,path=$sock
	if [ $vu_server = 1 ]; then
		ch+=,server=on,wait=on
	elif [ -n "$vu_reconnect" ]; then
		ch+=,reconnect=$vu_reconnect
	fi
	args+=(-chardev "$ch" -netdev "vhost-user,id=net0,chardev=vu0,queues=$queues")
	[ $accel = tcg ] && nic+=,vectors=0 ;;
tap)
	args+=(-netdev "tap,id=net0,ifname=$tap,script=no,downscript=no,queues=$queues") ;;
esac
[ "$queues" -gt 1 ] && nic+=,mq=on
for o in "${nic_opts[@]}"; do nic+=,$o; done
[ $net = none ] || args+=(-device "$nic")

if [ ${#vports[@]} -gt 0 ]; then
	args+=(-device "virtio-serial-pci,id=vser0")
	i=0
	for v in "${vports[@]}"; do
		vname=${v%%:*} kind=null path=
		if [ "$v" != "$vname" ]; then
			kind=${v#*:} kind=${kind%%:*} path=${v#*:*:}
		fi
		case $kind in
		null) args+=(-chardev "null,id=vp$i") ;;
		file) args+=(-chardev "file,id=vp$i,path=$path") ;;
		socket) args+=(-chardev "socket,id=vp$i,path=$path,server=on,wait=off") ;;
		connect) args+=(-chardev "socket,id=vp$i,path=$path,reconnect=1") ;;
		*) die "--vport '$v': want NAME, NAME:file:PATH, NAME:socket:PATH or NAME:connect:PATH" ;;
		esac
		[ -n "$vname" ] && { [ $kind = null ] || [ -n "$path" ]; } ||
			die "--vport '$v': want NAME, NAME:file:PATH, NAME:socket:PATH or NAME:connect:PATH"
		args+=(-device "virtserialport,bus=vser0.0,chardev=vp$i,name=$vname")
		i=$((i + 1))
	done
fi
args+=("${qemu_extra[@]}")

if [ $dry = 1 ]; then
	printf '%q ' "$qemu" "${args[@]}"
	echo
	exit 0
fi

# --- run: QEMU in the background so a TERM to this script stops it too
stop() {
	trap '' TERM INT HUP	# a second TERM must not cut cleanup() short
	exit 143	# cleanup() stops QEMU
}
trap stop TERM INT HUP
if [ -n "$timeout" ]; then
	timeout -k 5 "$timeout" "$qemu" "${args[@]}" <&0 &
else
	"$qemu" "${args[@]}" <&0 &
fi
qpid=$!
rc=0
wait "$qpid" || rc=$?
qpid=
if [ -n "$timeout" ] && [ $rc = 124 ]; then
	echo "run-guest.sh: $name: stopped after ${timeout} s" >&2
	exit 124
fi
[ $rc = 0 ] || { echo "run-guest.sh: $name: QEMU exited with $rc" >&2; exit 125; }
[ $have_cmd = 1 ] || exit 0
status=$(tr -dc '0-9\n' <"$run/status" | head -1)
[ -n "$status" ] || { echo "run-guest.sh: $name: the guest ended without a status" >&2; exit 125; }
exit "$status"
