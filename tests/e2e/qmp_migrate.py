#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""qmp_migrate.py - live-migrate a QEMU guest over QMP and wait for the result

Usage: qmp_migrate.py SRC_QMP_SOCK URI [TIMEOUT_S [MAX_BANDWIDTH [MARK_FILE]]]

Connects to the source QEMU's QMP socket, sets the bandwidth cap
(MAX_BANDWIDTH bytes/s, default 4 GiB/s: none to speak of), starts
"migrate" to URI (the destination runs with -incoming URI), polls
query-migrate until the migration completes or fails (or TIMEOUT_S, default
120, passes), prints one line with the status, total time, downtime and
the RAM transferred, then quits the source QEMU (it stays
paused in postmigrate otherwise). Exit status 0 only on "completed".
MARK_FILE, if given, is created once the first pass over RAM is done (the
second dirty sync) while the migration still runs: from then on, memory the
guest's device writes reaches the destination only if the dirty log says so.
"""
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        for _ in range(100):
            try:
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise OSError(f"cannot connect to {path}")
        self.buf = b""
        self.read()                     # the greeting
        self.cmd("qmp_capabilities")

    def read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("QMP socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self.read()
            if "event" in r:
                continue
            if "error" in r:
                raise RuntimeError(f"{name}: {r['error'].get('desc')}")
            return r.get("return")


def main():
    if len(sys.argv) not in (3, 4, 5, 6):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, uri = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) >= 4 else 120.0
    bandwidth = int(sys.argv[4]) if len(sys.argv) >= 5 else 4 << 30
    mark = sys.argv[5] if len(sys.argv) == 6 else None
    q = Qmp(path, timeout)
    q.cmd("migrate-set-parameters", **{"max-bandwidth": bandwidth})
    q.cmd("migrate", uri=uri)
    end = time.monotonic() + timeout
    info = {}
    while time.monotonic() < end:
        info = q.cmd("query-migrate")
        if info.get("status") in ("completed", "failed", "cancelled"):
            break
        if mark and info.get("ram", {}).get("dirty-sync-count", 0) >= 2:
            open(mark, "w").close()
            mark = None
        time.sleep(0.01)
    ram = info.get("ram", {})
    print(f"migration: {info.get('status', 'timeout')} total-time={info.get('total-time')} ms "
          f"downtime={info.get('downtime')} ms transferred={ram.get('transferred')} "
          f"dirty-sync-count={ram.get('dirty-sync-count')}")
    ok = info.get("status") == "completed"
    if not ok and info.get("error-desc"):
        print(f"error: {info['error-desc']}")
    try:
        q.cmd("quit")
    except (OSError, RuntimeError):
        pass
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
