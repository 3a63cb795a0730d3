#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# core.sh - checksum and software GSO throughput as ratios to memcpy (bench/core.c)
# Usage: bench/core.sh BUILD
set -euo pipefail
build=${1:?usage: bench/core.sh BUILD}
exec "$build/bench/bench_core"
