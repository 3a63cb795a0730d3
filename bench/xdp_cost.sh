#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# xdp_cost.sh - time per run of the dearest helper loops under the switch's budget and
# wall-clock cap (bench/xdp_cost.c), to put beside the bound in docs/ARCHITECTURE.md.
#
# Usage: bench/xdp_cost.sh BUILD_DIR [RUNS]
set -euo pipefail
build=${1:?usage: bench/xdp_cost.sh BUILD_DIR [RUNS]}
runs=${2:-200}
exec "$build/bench/bench_xdp_cost" "$build/tests/bpf/progs" "$runs"
