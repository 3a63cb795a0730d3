#!/bin/sh
# SPDX-License-Identifier: MIT
# init.sh - /init of the vnetd test guest (busybox sh, PID 1)
#
# build-image.sh installs this file as /init. run-guest.sh appends a small
# second cpio archive to the image with the run's settings:
#   /vn/config   shell assignments: VN_IP (A.B.C.D/NN), VN_GW, VN_MTU
#   /vn/cmd      the command to run (a shell script); absent: a login shell
#   any --file   the harness user's extra files, at their guest paths
# Console lines the harness and the tests look for:
#   GUEST-READY ip=... mac=... uptime=...   network configured, command starts
#   GUEST-CMD-EXIT=N                        the command ended with status N
#   GUEST-ERROR ...                         something in this script failed
# The status also goes to the second serial port (ttyS1), which run-guest.sh
# reads back: the console may lose its tail at power-off, ttyS1 is drained.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t devtmpfs devtmpfs /dev
# The kernel found no /dev/console in the archive (it is built without
# root, so without device nodes): take it now that devtmpfs is there.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm /run /tmp /var/run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
hostname vnguest

VN_IP='' VN_GW='' VN_MTU=''
if [ ! -r /vn/config ]; then
	# run-guest.sh always appends it: without it there is no command to run
	echo "GUEST-ERROR no /vn/config: the run's archive did not unpack"
	poweroff -f
fi
. /vn/config

# Modules in the order build-image.sh computed from modules.dep
while read -r ko; do
	insmod "/lib/modules/$ko" || echo "GUEST-ERROR insmod $ko"
done </lib/modules/load-order

# Named virtio-serial ports, as udev would link them. A port's name comes
# from the host in a control message some time after the port itself
# appears (seconds under TCG on a loaded host), so link what has a name and
# wait, bounded at 10 s, until every port run-guest.sh set up (VN_VPORTS)
# has its link.
link_ports() {
	for port in /sys/class/virtio-ports/*; do
		[ -r "$port/name" ] || continue
		pname=$(cat "$port/name")
		[ -n "$pname" ] || continue
		mkdir -p /dev/virtio-ports
		ln -sf "/dev/${port##*/}" "/dev/virtio-ports/$pname"
	done
}
tries=0
while :; do
	link_ports
	missing=''
	for pname in ${VN_VPORTS:-}; do
		[ -e "/dev/virtio-ports/$pname" ] || missing="$missing $pname"
	done
	[ -z "$missing" ] && break
	if [ $tries -ge 200 ]; then
		echo "GUEST-ERROR virtio-serial ports without a name after 10 s:$missing"
		break
	fi
	sleep 0.05
	tries=$((tries + 1))
done

# eth0 shows up after virtio_net probes its device; bounded wait (10 s),
# and only when QEMU gave the guest a virtio-net function (1af4:1000/1041).
nic=0
for dev in /sys/bus/pci/devices/*; do
	[ "$(cat "$dev/vendor")" = 0x1af4 ] || continue
	case $(cat "$dev/device") in 0x1000 | 0x1041) nic=1 ;; esac
done
n=0
while [ $nic = 1 ] && [ ! -e /sys/class/net/eth0 ] && [ $n -lt 200 ]; do
	sleep 0.05
	n=$((n + 1))
done
ip link set lo up
mac=none
if [ -e /sys/class/net/eth0 ]; then
	[ -n "$VN_MTU" ] && ip link set eth0 mtu "$VN_MTU"
	[ -n "$VN_IP" ] && ip addr add "$VN_IP" dev eth0
	ip link set eth0 up
	[ -n "$VN_GW" ] && ip route add default via "$VN_GW"
	mac=$(cat /sys/class/net/eth0/address)
elif [ $nic = 1 ]; then
	echo "GUEST-ERROR virtio-net device but no eth0"
fi
echo "GUEST-READY ip=${VN_IP:-none} mac=$mac uptime=$(cut -d' ' -f1 /proc/uptime)"

if [ ! -r /vn/cmd ]; then
	# interactive: a shell with job control on the console
	setsid cttyhack sh -l
	poweroff -f
fi
cd /root || exit 1
sh /vn/cmd
rc=$?
echo "GUEST-CMD-EXIT=$rc"
# close() of ttyS1 waits until the UART sent the bytes; for the console,
# stty's tcsetattr(TCSADRAIN) does the same before the power goes.
echo "$rc" >/dev/ttyS1
stty -F /dev/ttyS0 "$(stty -F /dev/ttyS0 -g)" 2>/dev/null
poweroff -f
