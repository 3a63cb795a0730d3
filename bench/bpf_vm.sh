#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bpf_vm.sh - ns per run of the eBPF interpreter on a 64-byte frame, against native code
#
# Usage: bench/bpf_vm.sh BUILD_DIR [REPEAT]
# Builds bench/bpf_vm_prog.c twice (clang -target bpf for vnet-bpf-run, and the
# host cc -O2 for the native peer), runs both REPEAT times on the same 64-byte
# UDP/IPv4 frame (plus a 2 KiB counter table) and prints one table row per
# program: interpreter ns/run, native ns/run and the ratio. Both are measured
# in this run; on a shared 2-core machine expect noise of 10-20%.
# bench/bpf.sh (loader side) compares with the kernel's BPF_PROG_TEST_RUN.
set -euo pipefail
build=${1:?usage: bench/bpf_vm.sh BUILD_DIR [REPEAT]}
repeat=${2:-5000000}
here=$(cd "$(dirname "$0")" && pwd)
run="$build/src/bpf/vnet-bpf-run"
tmp=$(mktemp -d /tmp/vn-bpfvm-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# 64-byte Ethernet/IPv4/UDP frame (hand-built: dst, src MAC, 0800, IPv4 header
# proto 17, UDP 1234 -> 5678), zero padding, then 256 zeroed 8-byte counters
frame="02 00 00 00 00 02 02 00 00 00 00 01 08 00 45 00 00 32 00 00 40 00 40 11 00 00 0a 00 00 01 0a 00 00 02 04 d2 16 2e 00 1e 00 00"
pad=$(printf ' 00%.0s' $(seq 1 $((64 - 42 + 2048))))
mem="$frame$pad"

printf '%-6s %12s %12s %8s\n' program vm_ns native_ns ratio
for p in XDP1 XDP2; do
	clang -O2 -target bpf -D$p -c "$here/bpf_vm_prog.c" -o "$tmp/$p.o"
	cc -O2 -D$p -o "$tmp/$p.native" "$here/bpf_vm_prog.c" "$here/bpf_vm_native.c"
	vm_out=$("$run" "$mem" --prog "$tmp/$p.o" --repeat "$repeat" 2>"$tmp/vm.err")
	nat_out=$("$tmp/$p.native" "$mem" "$repeat" 2>"$tmp/nat.err")
	# both must compute the same action before their times mean anything
	[ "$vm_out" = "$nat_out" ] || { echo "bpf_vm: $p: vm returned $vm_out, native $nat_out" >&2; exit 1; }
	vm_ns=$(awk '{print $2}' "$tmp/vm.err")
	nat_ns=$(awk '{print $2}' "$tmp/nat.err")
	printf '%-6s %12s %12s %8.1f\n' "$p" "$vm_ns" "$nat_ns" "$(echo "$vm_ns $nat_ns" | awk '{print $1 / $2}')"
done
