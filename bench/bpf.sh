#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bpf.sh - XDP ns per packet, vnetd's runtime vs the kernel's BPF_PROG_TEST_RUN
#
# Usage: bench/bpf.sh BUILD_DIR [REPEAT]   (root: the kernel side needs CAP_BPF)
# Runs the clang-built xdp1 (count by protocol, drop), xdp2 (MAC swap, TX),
# lru_flow (hash + LRU map lookups, BPF-to-BPF calls) and parser (VLAN, IPv4/
# IPv6, TCP/UDP, a hash hit, a checksum rewrite) objects of tests/bpf/progs on
# one 64-byte UDP/IPv4 frame, REPEAT times each in vnetd's interpreter, its
# JIT and the kernel (BPF_PROG_TEST_RUN, JIT if enabled), taking turns in nine
# rounds, and prints each side's median ns per run and the medians of the
# per-round ratios interpreter/kernel and JIT/kernel. All sides are timed on
# the thread's CPU clock. On a shared 2-core machine expect 10-20% noise
# between runs all the same (bench/bpf.c says how the rounds limit it).
set -euo pipefail
build=${1:?usage: bench/bpf.sh BUILD_DIR [REPEAT]}
repeat=${2:-1000000}
exec "$build/bench/bench_bpf" "$build/tests/bpf/progs" "$repeat"
