#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# ab_median.py - medians of an xdp_hook.sh sitting run by ab.sh, A against B
#
# Usage: bench/ab.sh A B REPS xdp_hook.sh [FRAMES] > LOG; bench/ab_median.py LOG
# For each row of xdp_hook.sh (and its no-program peer) the median over the
# repetitions of build A and of build B, and B/A: below 1 is B faster. The hook
# columns (ns/frame over the peer of the same round) are what a change to the
# XDP path moves; the peer is the switch alone.
import re,sys,statistics as st
cur=None; d={}
for l in open(sys.argv[1]):
    m=re.match(r'=== (A|B) rep',l)
    if m: cur=m.group(1); continue
    m=re.search(r'peer ([\d.]+) ns',l)
    if m: d.setdefault((cur,'switch alone (peer)'),[]).append(float(m.group(1)))
    m=re.match(r'((?:ingress|egress) .+?)\s{2,}([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$',l.rstrip())
    if m:
        d.setdefault((cur,m.group(1).strip()+' hook_int'),[]).append(float(m.group(4)))
        d.setdefault((cur,m.group(1).strip()+' hook_jit'),[]).append(float(m.group(5)))
for k in sorted(set(k for _,k in d)):
    a=st.median(d[('A',k)]); b=st.median(d[('B',k)])
    print(f"{k:45s} A {a:6.1f}  B {b:6.1f}  B/A {b/a:5.2f}  (n={len(d[('A',k)])})")
