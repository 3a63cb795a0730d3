#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run every libFuzzer target built in BUILD for SECONDS each; fail on any crash.
set -euo pipefail
build=${1:?usage: fuzz/run.sh BUILD SECONDS}
secs=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
n=0
for bin in "$build"/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus=$(mktemp -d)
	seeds="$here/corpus/$name"
	echo "--- $name (${secs}s)"
	args=("$corpus")
	[ -d "$seeds" ] && args+=("$seeds")
	"$bin" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 \
		-artifact_prefix="$build/fuzz/$name-" "${args[@]}" 2>&1 | tail -4
	rm -rf "$corpus"
	n=$((n + 1))
done
echo "fuzz: $n targets ran, 0 crashed"
