#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-all.sh - run every bench/*.sh against BUILD; fail if any fails
# Usage: bench/run-all.sh BUILD
set -euo pipefail
build=${1:?usage: bench/run-all.sh BUILD}
here=$(cd "$(dirname "$0")" && pwd)
failed=0
for b in "$here"/*.sh; do
	case "$(basename "$b")" in run-all.sh | ab.sh | lib_*.sh) continue ;; esac
	echo "=== $(basename "$b")"
	bash "$b" "$build" || { echo "bench $(basename "$b") failed"; failed=$((failed + 1)); }
done
exit "$failed"
