#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# xdp_hook.sh - ns per frame through the switch with XDP programs at its ports, interpreted
# and as JIT code, and the hook cost of each (over the no-program peer) as a ratio JIT/interpreter,
# measured in one run (bench/xdp_hook.c).
#
# Usage: bench/xdp_hook.sh BUILD_DIR [FRAMES [MODE]]
# MODE (a row's number from 1) measures that row alone, e.g. under perf record.
# On a shared 2-core machine expect 10-20% noise between runs.
set -euo pipefail
build=${1:?usage: bench/xdp_hook.sh BUILD_DIR [FRAMES [MODE]]}
frames=${2:-1000000}
exec "$build/bench/bench_xdp_hook" "$build/tests/bpf/progs" "$frames" ${3:+"$3"}
