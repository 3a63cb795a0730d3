#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# capture.sh - ns per frame through the switch with capture tap points, as ratios to the
# same switch without a capture, measured in one run (bench/capture.c).
#
# Usage: bench/capture.sh BUILD_DIR [FRAMES]
# On a shared 2-core machine expect 10-20% noise between runs.
set -euo pipefail
build=${1:?usage: bench/capture.sh BUILD_DIR [FRAMES]}
exec "$build/bench/bench_capture" "${2:-1000000}"
