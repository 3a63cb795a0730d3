#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 072_ctl_security.sh - peer credential checks and hostile control clients
#
# An unprivileged uid (65534, via setpriv) is refused by the file mode and,
# with the mode opened up, by SO_PEERCRED, and admitted through the socket's
# group. Malformed, oversized and too many connections get errors while
# ping keeps crossing the switch and vnetd keeps answering.
. "$(dirname "$0")/ctl_lib.sh"

a=${tag}a b=${tag}b
start_vnetd
ctl port add "tap:name=$a"
ctl port add "tap:name=$b"
ns_tap "${tag}na" "$a" 10.201.9.1/24
ns_tap "${tag}nb" "$b" 10.201.9.2/24

[ "$(stat -c %a "$sock")" = 660 ] || fail "socket mode $(stat -c %a "$sock")"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$VNETCTL" -s "$sock" "$@"; }

note "uid 65534: refused by the socket's mode"
set +e
out=$(nobody version 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && echo "$out" | grep -q "Permission denied" || fail "nobody got in: $rc $out"

note "uid 65534 with the mode opened: refused by SO_PEERCRED, and logged"
chmod 0755 "$dir"
chmod 0666 "$sock"
set +e
out=$(nobody version 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [ "$out" = "Error: permission denied: not root, the daemon's user or in the control socket's group" ] \
	|| fail "peercred: $rc $out"
grep -q "refused connection from pid [0-9]* uid 65534" "$log" || fail "refusal not logged"

note "uid 65534 in the socket's group: admitted"
chgrp 4343 "$sock"
setpriv --reuid=65534 --regid=65534 --groups=4343 "$VNETCTL" -s "$sock" --json port list \
	| json "len(j) == 2" || fail "group member refused"
chmod 0660 "$sock"

note "ping through the switch while clients misbehave"
ip netns exec "${tag}na" busybox ping -c 30 -i 0.2 -W 2 10.201.9.2 >"$dir/ping.log" 2>&1 &
ping_pid=$!
pids+=($ping_pid)

python3 - "$sock" <<'PY' || fail "hostile clients"
import json, socket, sys

path = sys.argv[1]

def conn():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    return s

def reply(s):
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            return None
        buf += chunk
    return json.loads(buf)

cases = [
    (b"garbage", "EINVAL"),
    (b"[1,2,3]", "EINVAL"),
    (b'{"v":2,"id":1,"cmd":"port.list"}', "EPROTO"),
    (b'{"v":1,"id":1,"cmd":"port.explode"}', "EOPNOTSUPP"),
    (b'{"v":1,"id":1,"cmd":"port.add","args":{"spec":5}}', "EINVAL"),
    (b'{"v":1,"id":1,"cmd":"port.add","args":{"spec":"tap:x","evil":1}}', "EINVAL"),
    (b'{"v":1,"id":1,"cmd":"port.del","args":{"name":"a\\u0000b"}}', "EINVAL"),
    (b'{"v":1,"id":1,"cmd":"stats","args":' + b"[" * 5000 + b"]" * 5000 + b"}", "EINVAL"),
    (b'{"v":1,"id":1,"cmd":"stats"}\x00', "EINVAL"),
    (b'{"v":1,"id":99999999999999999999,"cmd":"stats"}', "EINVAL"),
]
s = conn()
for line, code in cases:
    s.sendall(line + b"\n")
    r = reply(s)
    assert r and r["v"] == 1 and r["ok"] is False and r["error"]["code"] == code, (line[:60], r)
    assert r["error"]["message"], r
# the same connection still works after all of that
s.sendall(b'{"v":1,"id":7,"cmd":"version"}\n')
r = reply(s)
assert r["ok"] and r["id"] == 7, r
print(f"{len(cases)} malformed requests rejected, connection kept")

# oversized: an error, then the server closes the connection
s.sendall(b"{" + b"x" * (70 * 1024))
r = reply(s)
assert r and r["error"]["code"] == "EMSGSIZE", r
assert s.recv(1) == b"", "connection not closed after an oversized line"
print("oversized line: EMSGSIZE and close")

# more clients than the cap: the extra ones get EBUSY, the daemon survives
many = [conn() for _ in range(100)]
busy = 0
for c in many:
    try:
        c.sendall(b'{"v":1,"id":1,"cmd":"version"}\n')
    except (BrokenPipeError, ConnectionResetError):
        pass    # refused before we sent: the EBUSY reply is waiting
for c in many:
    try:
        r = reply(c)
    except ConnectionResetError:
        r = None
    if r and not r["ok"]:
        assert r["error"]["code"] == "EBUSY", r
        busy += 1
for c in many:
    c.close()
assert busy >= 100 - 64, busy
print(f"100 clients: {busy} refused with EBUSY")

# a client that sends requests and never reads its replies
slow = conn()
slow.setblocking(False)
try:
    for _ in range(100000):
        slow.send(b'{"v":1,"id":1,"cmd":"commands"}\n')
except BlockingIOError:
    pass	# its send buffer filled up
except (BrokenPipeError, ConnectionResetError):
    pass	# or the server had already closed it: what follows is about the other clients
s2 = conn()
s2.sendall(b'{"v":1,"id":3,"cmd":"port.list"}\n')
r = reply(s2)
assert r["ok"] and len(r["result"]) == 2, r
slow.close()
print("a client that never reads does not block others")
PY

wait "$ping_pid" || fail "ping failed during the hostile clients: $(tail -3 "$dir/ping.log")"
grep -q " 0% packet loss" "$dir/ping.log" || note "ping lost packets: $(grep loss "$dir/ping.log")"
kill -0 "$vnetd_pid" || fail "vnetd died"
ctl --json port list | json "len(j) == 2" || fail "vnetd does not answer after the abuse"
echo "PASS"
