#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_vnet_bpf_run.sh - vnet-bpf-run against the bpf_conformance plugin contract
#
# Programs are hex bytes on stdin, memory is hex in the first argument, r0
# comes back in hex with exit 0; a rejected or aborted program prints why and
# exits 1. Also hostile inputs (bad hex, odd lengths, garbage ELF) and an ELF
# object compiled here with clang -target bpf.
set -euo pipefail
build=${1:?usage: test_vnet_bpf_run.sh BUILD_DIR}
run="$build/src/bpf/vnet-bpf-run"
tmp=$(mktemp -d /tmp/vn-bpfvm-run.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0

# check NAME WANT_RC WANT_OUT_SUBSTRING PROGRAM_HEX [ARGS...]
check() {
	local name=$1 want_rc=$2 want=$3 prog=$4 rc=0 out
	shift 4
	n=$((n + 1))
	out=$(printf '%s\n' "$prog" | "$run" "$@" 2>"$tmp/stderr") || rc=$?
	if [ "$rc" != "$want_rc" ] || [[ "$out" != *"$want"* ]]; then
		echo "FAIL $n $name: rc $rc out '$out', want rc $want_rc '$want'"
		fails=$((fails + 1))
	else
		echo "ok $n $name"
	fi
}

EXIT0="95 00 00 00 00 00 00 00"
check "r0 = 42"                0 "2a"        "b7 00 00 00 2a 00 00 00 $EXIT0"
[ "$(printf 'b7 00 00 00 2a 00 00 00 %s\n' "$EXIT0" | "$run")" = "2a" ] || { echo "FAIL r0 format"; fails=$((fails + 1)); }
check "ldxw from memory"       0 "44332211"  "61 10 00 00 00 00 00 00 $EXIT0" "11 22 33 44 55"
check "two-space separators"   0 "44332211"  "61 10 00 00 00 00 00 00 $EXIT0" "11  22  33  44  55  "
check "r2 is the length"       0 "5"         "bf 20 00 00 00 00 00 00 $EXIT0" "11 22 33 44 55"
check "no memory: r1 = 0"      0 "0"         "bf 10 00 00 00 00 00 00 $EXIT0"
check "64-bit r0"              0 "ffffffffffffffff" "b7 00 00 00 ff ff ff ff $EXIT0"
check "store then load"        0 "7f"        "72 01 01 00 7f 00 00 00 71 10 01 00 00 00 00 00 $EXIT0" "00 00"
check "helper 5 is a clock"    0 ""          "85 00 00 00 05 00 00 00 $EXIT0"
check "exit without r0"        1 "r0 read before" "$EXIT0"
check "read past memory"       1 "outside every region" "71 10 08 00 00 00 00 00 $EXIT0" "11 22"
check "read with no memory"    1 "outside every region" "71 10 00 00 00 00 00 00 $EXIT0"
check "runaway loop"           1 "budget exhausted" "b7 00 00 00 00 00 00 00 05 00 ff ff 00 00 00 00 $EXIT0" --budget 1000
check "unknown helper"         1 "not allowed" "85 00 00 00 01 00 00 00 $EXIT0"
check "unknown opcode"         1 "unknown" "ff 00 00 00 00 00 00 00 $EXIT0"
check "falls off the end"      1 "falls off" "b7 00 00 00 00 00 00 00"
check "non-hex program"        1 "not hex"   "b7 zz"
check "odd hex digit"          1 "not hex"   "b7 0"
check "not whole slots"        1 "multiple of 8" "b7 00 00 00 00 00 00 00 95"
check "empty program"          1 "empty"     ""
check "bad memory hex"         1 "memory"    "$EXIT0" "1g"
check "garbage ELF"            1 "no executable section" "7f 45 4c 46 01 02 03" --elf
check "unknown option"         1 "usage"     "$EXIT0" --frobnicate
check "two memory arguments"   1 "usage"     "$EXIT0" "00" "11"
# both engines, and callx (the register names helper 5, as the suite's callx test)
CALLX="b7 01 00 00 ff ff ff ff b7 02 00 00 05 00 00 00 8d 02 00 00 00 00 00 00 b7 00 00 00 02 00 00 00 $EXIT0"
for eng in --jit --interp; do
	check "ldxw $eng"              0 "44332211"  "61 10 00 00 00 00 00 00 $EXIT0" "11 22 33 44 55" $eng
	check "callx $eng"             0 "2"         "$CALLX" $eng
	check "callx to no helper $eng" 1 "callx" "b7 02 00 00 07 00 00 00 8d 02 00 00 00 00 00 00 $EXIT0" $eng
	check "runaway loop $eng"      1 "budget exhausted" "b7 00 00 00 00 00 00 00 05 00 ff ff 00 00 00 00 $EXIT0" --budget 1000 $eng
	check "budget below a straight program $eng" 1 "budget exhausted" "b7 00 00 00 00 00 00 00 b7 00 00 00 00 00 00 00 $EXIT0" --budget 2 $eng
done

# a real clang-built object: int f(int *p) { return *p * 3; }
printf 'int f(int *p) { return *p * 3; }\n' > "$tmp/t.c"
clang -O2 -target bpf -c "$tmp/t.c" -o "$tmp/t.o"
check "ELF on stdin (--elf)"   0 "f"  "$(od -An -tx1 -v "$tmp/t.o" | tr -s ' \n' ' ')" "05 00 00 00" --elf
n=$((n + 1))
out=$("$run" "07 00 00 00" --prog "$tmp/t.o" --repeat 1000 2>"$tmp/stderr" </dev/null)
if [ "$out" = "15" ] && grep -q '^ns_per_run [0-9.]*$' "$tmp/stderr"; then
	echo "ok $n ELF file with --repeat"
else
	echo "FAIL $n ELF file with --repeat: '$out' $(cat "$tmp/stderr")"
	fails=$((fails + 1))
fi

# --xdp: a clang-built XDP object with its map, on a frame from a file, both engines
xdpo="$build/tests/bpf/progs/xdp2.bpf.o"
printf '\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00\x45\x00' > "$tmp/frame"
head -c 48 /dev/zero >> "$tmp/frame"
for eng in --jit --interp; do
	n=$((n + 1))
	out=$("$run" --xdp "$xdpo" --data "$tmp/frame" --repeat 100 $eng 2>"$tmp/stderr" </dev/null) || true
	# xdp2 swaps the MACs and answers XDP_TX (3)
	if [[ "$out" == "Return value: 3 (XDP_TX), duration (average): "*" ns, engine: "* ]] &&
	   [[ "$out" == *"02 00 00 00 00 01 02 00 00 00 00 02 08 00 45 00"* ]]; then
		echo "ok $n --xdp $eng"
	else
		echo "FAIL $n --xdp $eng: '$out' $(cat "$tmp/stderr")"
		fails=$((fails + 1))
	fi
done
[ "$("$run" --xdp "$xdpo" --data "$tmp/frame" --interp | head -1 | sed 's/.*engine: //')" = interp ] ||
	{ echo "FAIL --interp engine"; fails=$((fails + 1)); }
check "--xdp without --data"   1 "needs --data" "" --xdp "$xdpo"
check "--xdp missing object"   1 "cannot load" "" --xdp "$tmp/nonexistent.o" --data "$tmp/frame"
printf 'short' > "$tmp/short"
check "--xdp short frame"      1 "14 to"     "" --xdp "$xdpo" --data "$tmp/short"
check "--xdp missing frame"    1 "cannot open the frame" "" --xdp "$xdpo" --data "$tmp/nonexistent"
head -c 70000 /dev/zero > "$tmp/huge"
check "--xdp frame past the limit" 1 "14 to"  "" --xdp "$xdpo" --data "$tmp/huge"
check "--xdp with a program too" 1 "needs --data" "" --xdp "$xdpo" --data "$tmp/frame" --prog "$tmp/t.o"

echo "$n checks, $fails failed"
[ "$fails" = 0 ]
