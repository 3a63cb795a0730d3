#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# udp_echo.py - UDP echo server / checking client for 041_switch_udp.sh
#   server ADDR PORT SECONDS     echo every datagram back, exit after SECONDS
#   client ADDR PORT             send datagrams around and above the MTU and
#                                check each echo byte for byte (3 tries each);
#                                then one UDP_SEGMENT (USO) send of 10 x 1400
import os
import socket
import sys
import time

UDP_SEGMENT = 103


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def server(addr, port, secs):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.5)
    end = time.time() + secs
    while time.time() < end:
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            continue
        s.sendto(data, peer)


def client(addr, port):
    v6 = ":" in addr
    sizes = [18, 1000, 1452 if v6 else 1472, 1453 if v6 else 1473, 4000, 9000, 30000,
             65527 if v6 else 65507]
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(1.0)
    for size in sizes:
        payload = os.urandom(size)
        for attempt in range(3):
            s.sendto(payload, (addr, port))
            try:
                while True:
                    data, _ = s.recvfrom(65535)
                    if data == payload:
                        break
            except socket.timeout:
                continue
            print("udp %s %d bytes: echoed intact" % (addr, size))
            break
        else:
            sys.exit("udp %s %d bytes: no intact echo" % (addr, size))
    # USO: one send becomes 10 datagrams of 1400 bytes (the kernel hands the
    # tap a UDP_L4 GSO frame when the tap took USO; vnetd segments if needed)
    u = socket.socket(family(addr), socket.SOCK_DGRAM)
    u.settimeout(1.0)
    u.setsockopt(socket.SOL_UDP, UDP_SEGMENT, 1400)
    for attempt in range(3):
        payload = os.urandom(14000)
        u.sendto(payload, (addr, port))
        got = []
        try:
            while len(got) < 10:
                got.append(u.recvfrom(65535)[0])
        except socket.timeout:
            continue
        if b"".join(got) == payload and all(len(g) == 1400 for g in got):
            print("udp %s UDP_SEGMENT 10 x 1400: echoed intact" % addr)
            return
    sys.exit("udp %s UDP_SEGMENT: echoes missing or wrong" % addr)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        client(sys.argv[2], int(sys.argv[3]))
