#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 104_geneve_ovs.sh - the geneve port against Open vSwitch's userspace datapath
#
# This kernel has no geneve driver to be a peer (103 falls back to a second
# vnetd there), so an independent Geneve implementation ends the tunnel
# here: ovs-vswitchd with bridges of datapath_type=netdev (userspace
# tunnelling, no openvswitch kernel module), private ovsdb-server and
# ovs-vswitchd with their own database, sockets and logs in the test's temp
# dir, both running inside a namespace of the test (no) so OVS never sees
# the host's interfaces. Not the system service.
#
#   nb: tap 10.77.0.2 -- vnetd (tun0, underlay netns=nu)
#   nu: veth u 10.250.9.1 ====== veth p (port of br-phy) :no
#   no: br-phy 10.250.9.2 (underlay), br-int 10.77.0.1 (inner, LOCAL port)
#       br-int: gnv0 type=geneve remote_ip=10.250.9.1 key=42
#
# Checks: ping (IPv4 and IPv6) both ways; TCP with SHA-256 equal both ways
# (BYTES, 8 MiB: OVS's userspace datapath is slow); OVS learned vnetd's
# underlay MAC (tnl/arp) and dropped none of its datagrams as bad tunnel
# packets (datapath_drop_tunnel_pop_error); tshark on a tcpdump of the
# underlay veth decodes both directions as Geneve, VNI 42, Ethernet
# payload, with good outer UDP checksums from vnetd and no bad inner TCP
# checksum either way (0xffff for 0x0000 aside, see there). Options: OVS
# does send Geneve options (a TLV map on br-int and OpenFlow set_field to
# tun_metadata): a frame with a non-critical option (class 0xffff type
# 0x10, 0x1234) reaches the tap, one with a critical option (type 0x80,
# OVS also sets the header's C bit) does not and is counted in
# drop_tunnel_critical; tshark shows both options on the wire. vnetd sends no options, so nothing is checked that
# way round.
#
# vnetd's underlay veth sends with transmit checksum offload off: a veth
# hands the outer UDP checksum partial (only the pseudo-header summed) to
# the AF_PACKET socket OVS reads br-phy's port with, and OVS 3.1 does not
# complete it but drops the datagram (tnl_pop error); a physical NIC would
# have filled it in. vnetd's UDP GSO sends still work: the kernel then
# segments and sums them in software. OVS's internal ports are taps opened
# without offloads (userspace-tso off), so the kernel of no completes the
# inner checksums before OVS sees the frames: nothing to turn off there.
#
# usage: 104_geneve_ovs.sh BUILD_DIR [BYTES]
BUILD=$1
BYTES=${2:-8M}
source "$(dirname "$0")/lib_switch.sh"

# ovs-vswitchd and ovsdb-server are in /usr/sbin, not always in a test's PATH
PATH=$PATH:/usr/sbin:/sbin
for b in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl ovs-ofctl; do
	command -v "$b" >/dev/null ||
		vs_fail "$b not found: this test needs Open vSwitch (Debian package openvswitch-switch, .ci/packages.txt)"
done
schema=/usr/share/openvswitch/vswitch.ovsschema
[[ -r $schema ]] || vs_fail "no $schema (Debian package openvswitch-switch)"

no=${VS_TAG}o	# OVS
nu=${VS_TAG}n	# vnetd's underlay
nb=${VS_TAG}b	# the tap
u=${VS_TAG}u	# veth end in nu
p=${VS_TAG}p	# veth end in no, a port of br-phy
t=${VS_TAG}t
ctl() { "$VNETCTL" -s "$VS_SOCK" "$@"; }

# OVS's state: everything under $VS_TMP (vs_cleanup removes it), found by
# the OVS tools through these variables rather than /var/run/openvswitch
od=$VS_TMP/ovs
mkdir -p "$od"/{run,db,log,share,etc}
cp "$schema" "$od/share/"
export OVS_RUNDIR=$od/run OVS_DBDIR=$od/db OVS_LOGDIR=$od/log OVS_PKGDATADIR=$od/share \
	OVS_SYSCONFDIR=$od/etc
db=unix:$od/run/db.sock
# every OVS client with a bound wait: none of them may hang the test
vsctl() { ovs-vsctl --db="$db" --timeout=20 "$@"; }
appctl() { ovs-appctl --target="$od/run/ovs-vswitchd.ctl" --timeout=10 "$@"; }
ofctl() { ovs-ofctl --timeout=10 "$@"; }

# OVS's daemons run in the foreground as children of this shell (ip netns
# exec execs them, so $! is the daemon): cleanup can wait for them to exit.
# --detach would leave them to PID 1, which may never reap them.
ovs_pids=()
ovs_stop() {
	local rc=$? pid
	if [[ $rc -ne 0 && -f $od/log/ovs-vswitchd.log ]]; then
		echo "--- ovs-vswitchd log:" >&2
		tail -30 "$od/log/ovs-vswitchd.log" >&2
	fi
	for pid in "${ovs_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || continue
		timeout 10 tail --pid="$pid" -f /dev/null || kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	ovs_pids=()
}
trap 'ovs_stop; vs_cleanup' EXIT

ip netns add "$no"
VS_NS+=("$no")
ip netns add "$nu"
VS_NS+=("$nu")
ip -n "$nu" link add "$u" type veth peer name "$p" netns "$no"
ip -n "$nu" link set lo up
ip -n "$nu" addr add 10.250.9.1/24 dev "$u"
ip -n "$nu" link set "$u" up
ip netns exec "$nu" ethtool -K "$u" tx off >/dev/null	# see the header
ip -n "$no" link set lo up
# the port of br-phy carries no address: br-phy's internal interface has it
ip -n "$no" link set "$p" up

echo "--- Open vSwitch $(ovs-vswitchd --version | awk 'NR == 1 { print $NF }'), userspace datapath in $no"
ovsdb-tool create "$od/db/conf.db" "$od/share/vswitch.ovsschema"
ip netns exec "$no" ovsdb-server "$od/db/conf.db" --remote="punix:$od/run/db.sock" \
	--unixctl="$od/run/ovsdb-server.ctl" --pidfile --log-file --no-chdir \
	>"$od/log/ovsdb-server.out" 2>&1 &
ovs_pids+=($!)
vs_wait_for 10 ovs-vsctl --db="$db" --timeout=1 --no-wait show >/dev/null ||
	vs_fail "ovsdb-server did not start: $(cat "$od/log/ovsdb-server.out")"
vsctl --no-wait init
ip netns exec "$no" ovs-vswitchd "$db" --unixctl="$od/run/ovs-vswitchd.ctl" \
	--pidfile --log-file --no-chdir >"$od/log/ovs-vswitchd.out" 2>&1 &
ovs_pids+=($!)
vs_wait_for 10 ovs-appctl --target="$od/run/ovs-vswitchd.ctl" --timeout=1 version >/dev/null ||
	vs_fail "ovs-vswitchd did not start: $(cat "$od/log/ovs-vswitchd.out")"

# Userspace tunnelling (OVS's Documentation/howto/userspace-tunneling.rst):
# the underlay port sits on a netdev bridge whose own interface holds the
# underlay address, so OVS's route and neighbour tables (filled from the
# kernel of no and by snooping ARP) tell it where the tunnel's datagrams go;
# the tunnel port is on a second bridge, with the inner endpoint.
vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev
vsctl add-port br-phy "$p"
vsctl add-br br-int -- set bridge br-int datapath_type=netdev
vsctl add-port br-int gnv0 -- set interface gnv0 type=geneve \
	options:remote_ip=10.250.9.1 options:key=42
ip -n "$no" addr add 10.250.9.2/24 dev br-phy
ip -n "$no" link set br-phy up
ip -n "$no" addr add 10.77.0.1/24 dev br-int
ip -n "$no" addr add fd77::1/64 dev br-int nodad
ip -n "$no" link set br-int up
# OVS caches the kernel's routes as they appear; the howto adds the route
# itself when one is missing
route_cached() {
	ovs-appctl --target="$od/run/ovs-vswitchd.ctl" --timeout=1 ovs/route/lookup 10.250.9.1 |
		grep -q "dev br-phy"
}
if ! vs_wait_for 10 route_cached; then
	echo "OVS has not cached the underlay route: adding it"
	appctl ovs/route/add 10.250.9.0/24 br-phy
fi
appctl ovs/route/lookup 10.250.9.1

vs_vnetd --port "geneve:name=tun0,local=10.250.9.1,remote=10.250.9.2,vni=42,netns=$nu" \
	--port "tap:name=$t"
mtu=$(ctl --json port list | python3 -c "import json,sys; print([p['mtu'] for p in json.load(sys.stdin) if p['name'] == 'tun0'][0])")
echo "tunnel port MTU $mtu"
vs_ns "$nb" "$t" 2
ip -n "$nb" link set "$t" mtu "$mtu"
# the same inner MTU at OVS's end, set the OVS way (OVS owns br-int's MTU)
vsctl set interface br-int mtu_request="$mtu"
vs_wait_for 10 bash -c "ip -n $no link show br-int | grep -q 'mtu $mtu '" ||
	vs_fail "br-int's MTU is not $mtu: $(ip -n "$no" link show br-int)"

# the underlay, whole packets, for the whole exchange
ip netns exec "$nu" timeout 300 tcpdump -i "$u" -nn -s 0 -U -w "$VS_TMP/u.pcap" udp port 6081 \
	2>"$VS_TMP/tcpdump.log" &
td=$!
VS_PIDS+=("$td")
vs_wait_for 10 grep -q "listening on" "$VS_TMP/tcpdump.log" || vs_fail "tcpdump did not start"

echo "--- ping both ways"
# the first datagrams may go while OVS still resolves vnetd's address (ARP)
vs_wait_for 15 ip netns exec "$nb" busybox ping -c 1 -W 1 10.77.0.1 >/dev/null || vs_fail "ping tap -> OVS"
ip netns exec "$no" busybox ping -c 3 -W 2 10.77.0.2 >/dev/null || vs_fail "ping OVS -> tap"
vs_wait_for 10 ip netns exec "$nb" busybox ping -c 1 -W 1 fd77::1 >/dev/null || vs_fail "ping6 tap -> OVS"
ip netns exec "$no" busybox ping -c 3 -W 2 fd77::2 >/dev/null || vs_fail "ping6 OVS -> tap"
umac=$(ip -n "$nu" -br link show "$u" | awk '{ print $3 }')
appctl tnl/arp/show | grep -E "^10\.250\.9\.1 +$umac +br-phy" >/dev/null ||
	vs_fail "OVS did not learn vnetd's underlay MAC $umac: $(appctl tnl/arp/show)"
echo "OVS's neighbour for the tunnel: 10.250.9.1 $umac"

echo "--- TCP both ways, $BYTES"
vs_tcp_sha "$nb" "$no" 10.77.0.1 "$BYTES"
vs_tcp_sha "$no" "$nb" 10.77.0.2 "$BYTES"
echo "tun0: $(vs_stat tun0 gso_sw_frames) TSO frames cut, $(vs_stat tun0 tx_packets) datagrams in $(vs_stat tun0 tx_calls) sends"
pe=$(appctl coverage/read-counter datapath_drop_tunnel_pop_error)
[[ $pe -eq 0 ]] || vs_fail "OVS dropped $pe of vnetd's datagrams (datapath_drop_tunnel_pop_error)"

echo "--- Geneve options from OVS"
# A TLV map gives two option kinds fields to set, OpenFlow rules put them
# on UDP to ports 7001 (non-critical type 0x10) and 7002 (critical type 0x80)
ofctl add-tlv-map br-int \
	"{class=0xffff,type=0x10,len=4}->tun_metadata0,{class=0xffff,type=0x80,len=4}->tun_metadata1"
ofctl add-flow br-int \
	"priority=100,in_port=LOCAL,udp,nw_dst=10.77.0.2,tp_dst=7001,actions=set_field:0x1234->tun_metadata0,output:gnv0"
ofctl add-flow br-int \
	"priority=100,in_port=LOCAL,udp,nw_dst=10.77.0.2,tp_dst=7002,actions=set_field:0x5678->tun_metadata1,output:gnv0"

# udp_rx PORT SECS: a receiver in nb printing the first datagram to $VS_TMP/udp.PORT
udp_rx() {
	ip netns exec "$nb" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.2", int(sys.argv[1])))
s.settimeout(float(sys.argv[2]))
try:
    print(s.recv(2048).decode())
except socket.timeout:
    pass
' "$1" "$2" >"$VS_TMP/udp.$1" &
	rx=$!
	VS_PIDS+=("$rx")
	vs_wait_for 10 bash -c "ip netns exec $nb ss -uln | grep -q '10.77.0.2:$1 '" || vs_fail "UDP receiver on $1"
}
# udp_tx PORT TEXT: one datagram from OVS's side
udp_tx() {
	ip netns exec "$no" python3 -c '
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(sys.argv[2].encode(), ("10.77.0.2", int(sys.argv[1])))
' "$1" "$2"
}

udp_rx 7001 20
udp_tx 7001 "geneve-option-0x10"
wait "$rx" || true
[[ "$(cat "$VS_TMP/udp.7001")" == "geneve-option-0x10" ]] ||
	vs_fail "the frame with a non-critical option did not reach the tap: '$(cat "$VS_TMP/udp.7001")'"
echo "non-critical option: delivered"

c0=$(vs_stat tun0 drop_tunnel_critical)
udp_rx 7002 3
udp_tx 7002 "geneve-option-0x80"
crit_counted() { [[ $(vs_stat tun0 drop_tunnel_critical) -gt $c0 ]]; }
vs_wait_for 10 crit_counted ||
	vs_fail "the critical option was not counted in drop_tunnel_critical"
wait "$rx" || true
[[ -s $VS_TMP/udp.7002 ]] && vs_fail "a frame with a critical option reached the tap"
echo "critical option: dropped, drop_tunnel_critical $(vs_stat tun0 drop_tunnel_critical)"
# and the tunnel still carries frames
ip netns exec "$no" busybox ping -c 2 -W 2 10.77.0.2 >/dev/null || vs_fail "no ping after the critical option"

kill -INT "$td"
wait "$td" || vs_fail "tcpdump: $(cat "$VS_TMP/tcpdump.log")"

echo "--- tshark on the underlay"
tsh() { tshark -r "$VS_TMP/u.pcap" -d udp.port==6081,geneve "$@" 2>/dev/null; }
# (-E occurrence=f: the outer IP header's source, not the inner one's too)
tsh -T fields -E occurrence=f -e ip.src -e geneve.vni -e geneve.proto_type -Y "udp.dstport == 6081" |
	sort | uniq -c | awk '{ print $1, $2, $3, $4 }' >"$VS_TMP/gn.txt"
echo "datagrams by outer source, VNI, protocol:"
cat "$VS_TMP/gn.txt"
for src in 10.250.9.1 10.250.9.2; do
	grep -qE " $src (42|0x0*2a) 0x6558$" "$VS_TMP/gn.txt" || vs_fail "no Geneve VNI 42 from $src"
done
grep -vqE " (42|0x0*2a) 0x6558$" "$VS_TMP/gn.txt" && vs_fail "other Geneve headers on the wire"
n=$(tsh -o udp.check_checksum:TRUE -Y "ip.src == 10.250.9.1 && udp.checksum.status == 0" | wc -l)
[[ $n -eq 0 ]] || vs_fail "$n datagrams from vnetd with a bad outer UDP checksum"
# tshark calls a TCP checksum of 0xffff where 0x0000 sums right bad
# (tcp.checksum.ffff, RFC 1624); a receiver takes both, they are the same
# number in ones' complement. The kernel's software checksum
# (skb_checksum_help(), here for OVS's br-int tap, which has no offloads)
# writes 0xffff for a sum of 0, UDP's rule, so about one segment in 65536
# has it: counted apart, by outer source, and not a failure
n=$(tsh -o tcp.check_checksum:TRUE -Y "tcp.checksum.status == 0 && !tcp.checksum.ffff" | wc -l)
[[ $n -eq 0 ]] || vs_fail "$n inner TCP segments with a bad checksum"
n=$(tsh -o tcp.check_checksum:TRUE -Y "tcp.checksum.status == 1" | wc -l)
[[ $n -gt 0 ]] || vs_fail "tshark checked no inner TCP checksum"
echo "outer UDP checksums from vnetd good, $n inner TCP checksums good, none bad"
ff=$(tsh -o tcp.check_checksum:TRUE -T fields -E occurrence=f -e ip.src -Y tcp.checksum.ffff |
	sort | uniq -c | awk '{ printf " %s from %s", $1, $2 }')
[[ -z $ff ]] || echo "TCP checksums 0xffff for 0x0000:$ff"
tsh -T fields -E occurrence=f -e ip.src -e geneve.flags.critical -e geneve.option.class -e geneve.option.type \
	-e geneve.option.unknown.data -Y geneve.option >"$VS_TMP/opt.txt"
echo "Geneve options (source, C bit, class, type, data):"
cat "$VS_TMP/opt.txt"
grep -qE "^10\.250\.9\.2\s+(0|False)\s+0xffff\s+0x10\s+00001234$" "$VS_TMP/opt.txt" ||
	vs_fail "tshark shows no non-critical option from OVS"
grep -qE "^10\.250\.9\.2\s+(1|True)\s+0xffff\s+0x80\s+00005678$" "$VS_TMP/opt.txt" ||
	vs_fail "tshark shows no critical option from OVS"

ctl version >/dev/null || vs_fail "vnetd stopped answering"
vs_stop_vnetd
ovs_stop
echo PASS
