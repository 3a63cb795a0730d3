#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# icmp_echo.py DST COUNT IDENT - send COUNT ICMP echo requests with a known
# identifier and payload ("vnetd-capture-SEQ" padded with 0xa5) over a raw
# socket, and wait (2 s each, bounded) for the kernel's replies. Exit 0 if
# every request was answered.
import os, select, socket, struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return (~s) & 0xffff

def payload(seq):
    p = b"vnetd-capture-%04d" % seq
    return p + b"\xa5" * (48 - len(p))

dst, count, ident = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 0)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ok = 0
for seq in range(1, count + 1):
    body = payload(seq)
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + body), ident, seq) + body
    s.sendto(pkt, (dst, 0))
    while True:
        r, _, _ = select.select([s], [], [], 2.0)
        if not r:
            break
        data = s.recv(2048)
        ihl = (data[0] & 0xf) * 4
        t, _, _, i, q = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if t == 0 and i == ident and q == seq:
            ok += 1
            break
sys.exit(0 if ok == count else 1)
