#!/bin/bash
# SPDX-License-Identifier: MIT
# Each folder under src/ is a layer and may include only its own headers and
# those of the layers below it (docs/ARCHITECTURE.md, first table). This test
# reads every #include "..." in src/ and fails, naming file and line, on one
# that reaches up or sideways, or that climbs with "../".
set -u
src=${1:?usage: check_layers.sh SRCDIR}

# layer -> the layers it may include (itself included)
declare -A allow=(
	[core]="core"
	[virtio]="core virtio"
	[bpf]="core bpf"
	[port]="core virtio port"
	[switch]="core virtio bpf port switch"
	[ctl]="core virtio bpf port switch ctl"
	[cmd]="core virtio bpf port switch ctl cmd"
)

bad=0
for dir in "$src"/*/; do
	layer=$(basename "$dir")
	if [[ -z ${allow[$layer]+x} ]]; then
		echo "layer check: src/$layer is not in the layer table of this test" >&2
		bad=1
		continue
	fi
	while IFS=: read -r file line text; do
		inc=${text#*\"}
		inc=${inc%%\"*}
		if [[ $inc == ../* || $inc == */../* ]]; then
			echo "layer check: ${file#"$src"/}:$line: \"$inc\" climbs with ../" >&2
			bad=1
			continue
		fi
		[[ $inc == */* ]] || continue	# a header beside the file: same layer
		to=${inc%%/*}
		if [[ " ${allow[$layer]} " != *" $to "* ]]; then
			echo "layer check: ${file#"$src"/}:$line: $layer/ includes $to/ (\"$inc\"); $layer/ may include: ${allow[$layer]}" >&2
			bad=1
		fi
	done < <(grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$dir"*.[ch] 2>/dev/null)
done
[[ $bad == 0 ]] && echo "layer check: every include in $src goes down or stays in its layer"
exit $bad
