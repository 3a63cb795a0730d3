#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 070_ctl_commands.sh - every vnetctl command against a running vnetd, every
# --json output parsed and checked, config files (-c) good and bad
#
# Real peers: two taps in namespaces this test creates, kernel ping through
# the switch; vnetd loads the first two ports from a config file.
. "$(dirname "$0")/ctl_lib.sh"

a=${tag}a b=${tag}b c=${tag}c
cat >"$dir/vnetd.conf" <<CONF
# two taps with offloads, for the namespaces below
port add tap:name=$a,offload=on
port add tap:name=$b,offload=on   # trailing comment
CONF

note "config file with an error: vnetd refuses to start and names the line"
printf 'port add tap:name=%sx\nport frob\n' "$tag" >"$dir/bad.conf"
if "$VNETD" --socket "$dir/bad.sock" -c "$dir/bad.conf" >"$dir/bad.log" 2>&1; then
	fail "vnetd started with a bad config"
fi
grep -q "bad.conf:2: unknown command" "$dir/bad.log" || fail "no FILE:LINE in: $(cat "$dir/bad.log")"
[ ! -e "$dir/bad.sock" ] || fail "bad daemon left its socket"
! ip link show "${tag}x" >/dev/null 2>&1 || fail "bad config applied its first line"

start_vnetd -c "$dir/vnetd.conf"
ns_tap "${tag}na" "$a" 10.201.7.1/24
ns_tap "${tag}nb" "$b" 10.201.7.2/24
mac_a=$(ip -n "${tag}na" -j link show "$a" | jget 'j[0]["address"]')
mac_b=$(ip -n "${tag}nb" -j link show "$b" | jget 'j[0]["address"]')
# permanent neighbours: no ARP probes re-teach the FDB behind the flush checks
ip -n "${tag}na" neigh replace 10.201.7.2 lladdr "$mac_b" dev "$a" nud permanent
ip -n "${tag}nb" neigh replace 10.201.7.1 lladdr "$mac_a" dev "$b" nud permanent

note "traffic: ping between the namespaces through vnetd"
ip netns exec "${tag}na" busybox ping -c 3 -W 2 10.201.7.2 >/dev/null || fail "ping through vnetd"

note "worker list (table and JSON): one unpinned worker owns both ports"
ctl worker list >"$dir/out"
head -1 "$dir/out" | grep -q "^WORKER  *CPU  *PORTS  *ITERATIONS  *SLEEPS  *POLLS" || fail "worker list header: $(cat "$dir/out")"
grep -q "^0  *-  *" "$dir/out" || fail "worker list row: $(cat "$dir/out")"
ctl --json worker list | json "len(j) == 1 and j[0]['id'] == 0 and j[0]['cpu'] is None
	and sorted(j[0]['ports']) == sorted(['$a', '$b']) and j[0]['iterations'] > 0
	and j[0]['polls'] == 0 and j[0]['ring_tx'] == 0" || fail "worker list json: $(ctl --json worker list)"

note "global options before or after the command words, -- ends them"
"$VNETCTL" port list --json -s "$sock" | json "len(j) == 2" || fail "port list --json -s"
"$VNETCTL" -j -s "$sock" port list | json "len(j) == 2" || fail "-j -s port list"
"$VNETCTL" --json port list --socket "$sock" | json "len(j) == 2" || fail "--json port list --socket"
"$VNETCTL" --socket="$sock" port list -j | json "len(j) == 2" || fail "--socket= port list -j"
"$VNETCTL" -s /nonexistent port list -s "$sock" --json | json "len(j) == 2" || fail "last -s wins"
ctl stats "$a" --all --json | json "len(j) == 1 and 'drop_runt' in j[0]['counters']" || fail "stats --all --json"
ctl -- port list | grep -q "^NAME " || fail "-- port list"
ctl port list --pretty >"$dir/pretty.json"
json "len(j) == 2" <"$dir/pretty.json" || fail "--pretty is not JSON"
[ "$(wc -l <"$dir/pretty.json")" -gt 10 ] && grep -q '^  {' "$dir/pretty.json" || fail "--pretty not indented"
[ "$(ctl -p port list | wc -l)" -eq "$(wc -l <"$dir/pretty.json")" ] || fail "-p differs from --pretty"
[ "$("$VNETCTL" --version)" = "vnetctl $("$VNETD" --version | sed 's/^vnetd //')" ] || fail "vnetctl --version"
[ "$("$VNETCTL" port list -V)" = "$("$VNETCTL" --version)" ] || fail "vnetctl -V"
"$VNETCTL" port list --help | grep -q "^  port list " || fail "port list --help"
ctl_fails 255 'Error: unknown option "-x".' -x port list
ctl_fails 255 'Error: unknown option "--json=yes".' --json=yes port list
ctl_fails 255 'Error: "-s" needs a socket path.' port list -s
ctl_fails 255 'Error: "--socket" needs a socket path.' --socket

note "show, list and lst are one verb; an object alone shows it"
for words in "port" "port show" "port lst"; do
	ctl --json $words | json "len(j) == 2" || fail "$words"
done
ctl fdb list >/dev/null || fail "fdb list"
ctl --json vlan list | json "len(j) == 2" || fail "vlan list"
ctl --json xdp show | json "j == []" || fail "xdp show"
ctl --json worker | json "len(j) == 1" || fail "worker"
ctl_fails 255 'Error: "map" needs a command:' map
ctl_fails 255 'Error: unknown command "bogus".' bogus help

note "version, commands"
ctl version | grep -q "^vnetd .*control protocol 1$" || fail "version"
ctl --json version | json 'j["proto"] == 1 and j["version"]'
ctl commands | grep -q "^port add SPEC \[worker N\]" || fail "commands"
# what "commands" shows is what the CLI takes: capture's options, and top
ctl commands | grep -q "^capture PORT \[ingress|egress\] -w FILE.pcap \[-c COUNT\] \[-f FILTER\] \[-s SNAPLEN\]  " ||
	fail "commands: capture usage: $(ctl commands | grep capture)"
ctl commands | grep -q "^top \[-n COUNT\] \[-d SECS\]  " || fail "commands: no top"
ctl --json commands | json 'any(c["name"] == "port.add" and c["config"] for c in j)'

note "port list (table and JSON)"
ctl port list >"$dir/out"
head -1 "$dir/out" | grep -q "^NAME  *ID  *KIND  *STATE  *MTU  *QUEUES  *VLAN  *TX-OFFLOADS" || fail "header: $(head -1 "$dir/out")"
grep -q "^$a  *[0-9]*  *tap  *up " "$dir/out" || fail "port list row: $(cat "$dir/out")"
ctl --json port list >"$dir/ports.json"
json "len(j) == 2 and {p['name'] for p in j} == {'$a', '$b'}" <"$dir/ports.json" || fail "port list json"
json "all(p['kind'] == 'tap' and p['state'] == 'up' and p['queues'] == 1 and p['mtu'] > 0
          and p['vnet_hdr_len'] in (10, 12) and p['policy'] == 'block'
          and 'csum' in p['offloads']['tx'] and 'tso4' in p['offloads']['tx']
          and int(p['features'], 16) != 0 and p['rx_packets'] > 0
          and set(p['rates']) == {'rx_pps', 'rx_bps', 'tx_pps', 'tx_bps'} for p in j)" \
	<"$dir/ports.json" || fail "port fields: $(cat "$dir/ports.json")"

note "port list STATE: a tap whose interface is down, a vhost-user port without a guest"
ip -n "${tag}nb" link set "$b" down
ip netns exec "${tag}na" busybox ping -c 2 -W 1 10.201.7.2 >/dev/null 2>&1 || true
ctl --json port list | json "[p['state'] for p in j if p['name'] == '$b'] == ['down']" ||
	fail "tap $b down: $(ctl port list)"
ctl stats "$b" | grep -q "drop_port_down  *[1-9]" || fail "no drop_port_down on $b: $(ctl stats "$b")"
ip -n "${tag}nb" link set "$b" up
ip netns exec "${tag}na" busybox ping -c 2 -W 2 10.201.7.2 >/dev/null || fail "ping after link up"
ctl --json port list | json "all(p['state'] == 'up' for p in j)" || fail "tap $b up again: $(ctl port list)"
ctl port add "vhost-user:name=${tag}v,path=$dir/vu.sock" >/dev/null
ctl port list | grep -q "^${tag}v  *[0-9]*  *vhost-user  *down " || fail "guestless vhost-user not down: $(ctl port list)"
ctl port del "${tag}v" >/dev/null

note "stats (table, one port, --all, JSON)"
ctl stats >"$dir/out"
grep -q "^$a (id [0-9]*):" "$dir/out" || fail "stats table: $(cat "$dir/out")"
grep -q "^  *rx_packets  *[1-9]" "$dir/out" || grep -q "^rx_packets  *[1-9]" "$dir/out" || fail "rx_packets row"
ctl --json stats "$a" | json "len(j) == 1 and j[0]['name'] == '$a' and j[0]['counters']['rx_packets'] >= 3
	and j[0]['counters']['tx_packets'] >= 3 and j[0]['counters']['rx_bytes'] > 0
	and all(v != 0 for k, v in j[0]['counters'].items() if k not in ('rx_packets', 'rx_bytes', 'tx_packets', 'tx_bytes'))" \
	|| fail "stats json"
ctl --json stats --all | json "len(j) == 2 and all('drop_runt' in p['counters'] and 'xdp_drop' in p['counters']
	and 'csum_sw' in p['counters'] and 'gso_sw_segs' in p['counters'] and 'gro_merged' in p['counters'] for p in j)" \
	|| fail "stats --all json"
ctl stats "$b" --all | grep -q "drop_runt  *0" || fail "stats --all shows zeros"

note "fdb show / flush"
ctl fdb show | grep -q "^$mac_a  *0  *$a  *[0-9]*  *learned" || fail "fdb show: $(ctl fdb show)"
ctl fdb stats | grep -q "^learned  *[1-9]" || fail "fdb stats: $(ctl fdb stats)"
ctl --json fdb stats | json "j['entries'] >= 1 and j['learned'] >= 1 and j['evicted'] == 0 and set(j) == {'entries', 'learned', 'moved', 'evicted', 'aged', 'static_refused', 'limit_refused'}" || fail "fdb stats json: $(ctl --json fdb stats)"
ctl --json fdb show "$a" | json "any(e['mac'] == '$mac_a' and e['port'] == '$a' and e['vlan'] == 0
	and e['static'] is False and e['age'] >= 0 for e in j) and all(e['port'] == '$a' for e in j)" \
	|| fail "fdb json"
ctl fdb flush "$a"
ctl --json fdb show "$a" >"$dir/fdb.json"; json "len(j) == 0" <"$dir/fdb.json" || fail "fdb flush PORT: $(cat "$dir/fdb.json")"
ctl fdb flush
ctl --json fdb show | json "len(j) == 0" || fail "fdb flush"

note "fdb add: a static entry"
ctl fdb add 02:00:00:5e:10:01 "$b" vlan 0
ctl fdb show "$b" | grep -q "^02:00:00:5e:10:01  *0  *$b  *0  *static$" || fail "static entry: $(ctl fdb show)"
ctl fdb flush
ctl --json fdb show | json "[e['mac'] for e in j] == ['02:00:00:5e:10:01'] and j[0]['static']" \
	|| fail "flush removed the static entry"

note "fdb add again: refused, the entry stays; --replace moves it; fdb del removes it"
if ctl fdb add 02:00:00:5e:10:01 "$a" 2>"$dir/err"; then fail "second fdb add moved the entry"; fi
grep -q "already pinned to \"$b\"" "$dir/err" || fail "second fdb add message: $(cat "$dir/err")"
ctl --json fdb show | json "[(e['mac'], e['port']) for e in j] == [('02:00:00:5e:10:01', '$b')]" \
	|| fail "refused fdb add changed the table: $(ctl fdb show)"
ctl fdb add 02:00:00:5e:10:01 "$a" --replace
ctl --json fdb show | json "[(e['mac'], e['port']) for e in j] == [('02:00:00:5e:10:01', '$a')]" \
	|| fail "fdb add --replace: $(ctl fdb show)"
ctl fdb del 02:00:00:5e:10:01 vlan 0
ctl --json fdb show | json "len(j) == 0" || fail "fdb del: $(ctl fdb show)"
if ctl fdb del 02:00:00:5e:10:01 2>"$dir/err"; then fail "fdb del of a missing entry succeeded"; fi
grep -q "no entry for 02:00:00:5e:10:01" "$dir/err" || fail "fdb del message: $(cat "$dir/err")"

note "hot add a VLAN port, vlan show, delete it"
ctl port add "tap:name=$c,offload=off,vlan=10"
ctl --json port list | json "len(j) == 3 and [p for p in j if p['name'] == '$c'][0]['offloads']['tx'] == []" \
	|| fail "added port"
ctl port add "tap:name=${tag}d,trunk=20:30"
ctl port add "tap:name=${tag}e,trunk=20:30,vlan=20"
ctl vlan show >"$dir/out"
grep -q "^$c  *access  *10$" "$dir/out" || fail "vlan show access: $(cat "$dir/out")"
grep -q "^${tag}d  *trunk  *20,30$" "$dir/out" || fail "vlan show trunk: $(cat "$dir/out")"
grep -q "^${tag}e  *trunk  *20,30 native 20$" "$dir/out" || fail "vlan show native: $(cat "$dir/out")"
ctl --json vlan show | json "[(p['trunk'], p['native']) for p in j if p['port'] == '${tag}e'] == [([20, 30], 20)]
	and [p['native'] for p in j if p['port'] == '${tag}d'] == [None]" || fail "native json"
ctl port list | grep -q "^${tag}e .* trunk:20,30/native:20 " || fail "port list native: $(ctl port list)"
ctl --json port list | json "[p['vlan']['native'] for p in j if p['name'] == '${tag}e'] == [20]" \
	|| fail "port list native json"

note "fdb add checks VLAN membership and defaults to the untagged VLAN"
if ctl fdb add 02:00:00:5e:10:02 "$c" vlan 20 2>"$dir/err"; then fail "fdb add on a VLAN $c is not in"; fi
grep -q "does not carry VLAN 20" "$dir/err" || fail "fdb add VLAN message: $(cat "$dir/err")"
if ctl fdb add 02:00:00:5e:10:02 "${tag}d" 2>"$dir/err"; then fail "fdb add on a trunk without VLAN"; fi
grep -q "trunk without a native VLAN" "$dir/err" || fail "fdb add trunk message: $(cat "$dir/err")"
ctl --json fdb show | json "len([e for e in j if e['static']]) == 0" || fail "refused fdb adds added"
ctl fdb add 02:00:00:5e:10:02 "$c"
ctl fdb add 02:00:00:5e:10:02 "${tag}e"
ctl fdb add 02:00:00:5e:10:02 "${tag}d" vlan 30
ctl --json fdb show | json "sorted((e['vlan'], e['port']) for e in j if e['static']) ==
	[(10, '$c'), (20, '${tag}e'), (30, '${tag}d')]" || fail "fdb add defaults: $(ctl fdb show)"
ctl --json fdb del 02:00:00:5e:10:02 | json "j['removed'] == 3" || fail "fdb del of every VLAN"
ctl port del "${tag}e"
grep -q "^$a  *untagged  *-$" "$dir/out" || fail "vlan show untagged: $(cat "$dir/out")"
ctl --json vlan show | json "[p['trunk'] for p in j if p['port'] == '${tag}d'] == [[20, 30]]" || fail "trunk json"
ctl port list | grep -q "^${tag}d .* trunk:20,30 " || fail "port list trunk"
ctl port del "${tag}d"
ctl --json vlan show | json "{p['port']: p['mode'] for p in j} == {'$a': 'untagged', '$b': 'untagged', '$c': 'access'}
	and [p for p in j if p['port'] == '$c'][0]['access'] == 10" || fail "vlan json"
ctl port del "$c"
ctl --json port list | json "len(j) == 2" || fail "port del"
! ip link show "$c" >/dev/null 2>&1 || fail "deleted tap still exists"

note "top: bounded, table and JSON"
ctl top -n 1 -d 1 | grep -q "^PORT  *RX-PPS  *RX-BPS  *TX-PPS  *TX-BPS  *DROPS/S" || fail "top table"
ctl --json top -n 2 -d 1 >"$dir/top.json"
[ "$(wc -l <"$dir/top.json")" -eq 2 ] || fail "top -n 2 printed $(wc -l <"$dir/top.json") lines"
while read -r line; do
	echo "$line" | json "j['interval_ms'] > 0 and {p['name'] for p in j['ports']} == {'$a', '$b'}" || fail "top json: $line"
done <"$dir/top.json"

note "errors, exit codes, help"
set +e
out=$(ctl port del nosuch 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [ "$out" = 'Error: port "nosuch" does not exist' ] || fail "port del nosuch: $rc $out"
note "a name this vnetd already has is reported as such (not as another process's tap)"
id_a=$(ctl --json port list | jget "[p['id'] for p in j if p['name'] == '$a'][0]")
ctl_fails 1 "Error: port name '$a' is already used by port $id_a" port add "tap:name=$a"

note "a refused command says why, in vnetctl's output (not only in vnetd's log)"
ctl_fails 1 "Error: worker 3 does not exist: vnetd has one worker, 0" port add "tap:name=${tag}w" worker 3
! ip link show "${tag}w" >/dev/null 2>&1 || fail "refused port add (worker 3) created its tap"
ctl_fails 1 "Error: port '${tag}w': bad value '5000' for 'vlan' (expected 1-4094)" \
	port add "tap:name=${tag}w,vlan=5000"
ctl_fails 1 "Error: port '${tag}w': unknown key 'colour' for kind tap" port add "tap:name=${tag}w,colour=red"
ctl_fails 1 "Error: port spec 'tun:name=${tag}w': unknown kind 'tun' (kinds: tap, pair, vhost-user, pcap, afpacket, afxdp, vxlan, geneve)" \
	port add "tun:name=${tag}w"
ctl_fails 1 "Error: port spec 'tap:name=${tag}w,trunk=10,20': '20' is not key=value (trunk VLANs are separated by ':', e.g. trunk=10:20)" \
	port add "tap:name=${tag}w,trunk=10,20"
echo "not an object" >"$dir/notelf.o"
ctl_fails 1 "Error: $dir/notelf.o: cannot load: obj 'notelf.o': not an ELF file" \
	xdp attach "$a:ingress:$dir/notelf.o"
grep -q "ctl: port.add refused: worker 3 does not exist" "$log" || fail "refusal not logged"
! grep -q "log has" "$log" || fail "a message points at the log"
set +e
out=$(ctl port explode 2>&1); rc=$?
set -e
[ $rc -eq 255 ] && echo "$out" | grep -q '^Error: unknown command "port explode"' || fail "bad syntax: $rc $out"
note "argument errors: the word that was wrong and what is accepted"
ctl_fails 255 'Error: unexpected "extra" (usage: stats [PORT] [--all]).' stats "$a" extra
ctl_fails 255 'Error: unknown option "-x" (usage: stats [PORT] [--all]).' stats -x
ctl_fails 255 'Error: DIR must be ingress, egress or egress-guest.' map list "$a" sideways
ctl_fails 255 'Error: MAC must be aa:bb:cc:dd:ee:ff (two hex digits per byte).' fdb add 2:aa:0:0:0:3 "$a"
# the same mistake, the same exit status, whoever checks it
ctl_fails 255 'Error: MAC must be aa:bb:cc:dd:ee:ff (two hex digits per byte).' fdb add 02-aa-00-00-00-02 "$a"
ctl_fails 1 'Error: "01:00:5e:00:00:01" is not a unicast MAC address' fdb add 01:00:5e:00:00:01 "$a"
ctl_fails 255 'Error: port del: NAME missing.' port del
ctl_fails 255 'Error: SPEC must be kind:key=value,... (e.g. tap:name=vnet0), at most 1024 characters.' \
	port add "tap:name=x,$(head -c 2000 /dev/zero | tr '\0' a)"
ctl_fails 255 'Error: unknown option "-x" (usage: top [-n COUNT] [-d SECS]).' top -x
ctl_fails 255 'Error: -n COUNT must be a whole number from 1 to 1000000.' top -n 0
ctl_fails 255 'Error: -d SECS must be seconds from 0.1 to 60 (e.g. 0.5).' top -d 0
ctl --json top -n 1 -d 0.5 | json "j['interval_ms'] >= 400" || fail "top -d 0.5"
ctl port help | grep -q "^  port del NAME" || fail "port help"
ctl --help | grep -q "^  top \[-n COUNT\] \[-d SECS\]" || fail "--help"
set +e
out=$(ctl --json stats nosuch 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [ "$out" = 'Error: port "nosuch" does not exist' ] || fail "json error: $rc $out"

note "bash completion: commands and live port names"
complete() { :; }	# the script registers itself; not needed here
# shellcheck source=/dev/null
. "$(dirname "$0")/../../dist/vnetctl.bash-completion"
COMP_WORDS=(vnetctl -s "$sock" po); COMP_CWORD=3; _vnetctl
[ "${COMPREPLY[*]}" = "port" ] || fail "complete 'po': ${COMPREPLY[*]}"
COMP_WORDS=(vnetctl -s "$sock" port del ""); COMP_CWORD=5
PATH=$build/src/cmd:$PATH _vnetctl
[ "$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')" = "$a $b " ] || fail "complete port del: ${COMPREPLY[*]}"

# xdp attach PORT:DIR:FILE: the parts after ':' complete too (COMP_WORDBREAKS has ':')
COMP_LINE="vnetctl -s $sock xdp attach $a:"; COMP_POINT=${#COMP_LINE}
COMP_WORDS=(vnetctl -s "$sock" xdp attach "$a" :); COMP_CWORD=6; _vnetctl
[ "$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')" = "egress: ingress: " ] ||
	fail "complete xdp attach PORT:: ${COMPREPLY[*]}"
COMP_LINE="vnetctl -s $sock xdp attach $a:ingress:$dir/note"; COMP_POINT=${#COMP_LINE}
COMP_WORDS=(vnetctl -s "$sock" xdp attach "$a" : ingress : "$dir/note"); COMP_CWORD=9; _vnetctl
[ "${COMPREPLY[*]}" = "$dir/notelf.o" ] || fail "complete xdp attach PORT:DIR:FILE: ${COMPREPLY[*]}"

note "the datapath still works after all of it"
ip netns exec "${tag}na" busybox ping -c 2 -W 2 10.201.7.2 >/dev/null || fail "ping after commands"
kill -0 "$vnetd_pid" || fail "vnetd died"
echo "PASS"
