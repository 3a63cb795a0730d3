#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bpf.sh - XDP ns per packet, vnetd's runtime vs the kernel's BPF_PROG_TEST_RUN
#
# Usage: bench/bpf.sh BUILD_DIR [REPEAT]   (root: the kernel side needs CAP_BPF)
# Runs the clang-built xdp1 (count by protocol, drop), xdp2 (MAC swap, TX) and
# lru_flow (hash + LRU map lookups, BPF-to-BPF calls) objects of tests/bpf/progs on one 64-byte UDP/IPv4 frame, REPEAT times in
# vnetd (vn_xdp_run, interpreter) and in the kernel (test_run repeat, JIT if
# enabled), in one run, and prints ns/pkt for each and the ratio vnetd/kernel.
# vnetd is timed in thread CPU time, as the kernel's test_run timer also
# stops while the task is rescheduled; on a shared 2-core machine expect
# 10-20% noise between runs all the same.
set -euo pipefail
build=${1:?usage: bench/bpf.sh BUILD_DIR [REPEAT]}
repeat=${2:-1000000}
exec "$build/bench/bench_bpf" "$build/tests/bpf/progs" "$repeat"
