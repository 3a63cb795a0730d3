// SPDX-License-Identifier: MIT
/* test_vm_isa.c - both engines against RFC 9669, one numbered table per class
 *
 * Every case is a hand-assembled program whose r0 is checked, in the
 * interpreter, the JIT and the JIT with blinded constants, and the memory
 * each leaves behind is compared with the interpreter's. r1 points at
 * a 32-byte writable buffer (isa_mem below) so loads and stores have
 * something to touch. Expected values were worked out by hand from the RFC
 * text (sections 4 and 5), not taken from running the code.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bpf/vm.h"
#include "bpf_asm.h"

#define MAXP 24

/**
 * struct isa_case - one program and the r0 it must return
 * @name:	what it checks
 * @prog:	instructions; trailing all-zero slots are not part of it
 * @want:	expected r0
 */
struct isa_case {
	const char *name;
	struct vn_bpf_insn prog[MAXP];
	uint64_t want;
};

/* little-endian: dw at 0 is 0x1122334455667788 */
static const uint8_t isa_mem_init[32] = {
	0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	0x80, 0xff, 0x7f, 0x00, 0xfe, 0xff, 0xff, 0x80,
};

/* COND(): r0 = 1 if the jump (offset +1) is taken after the setup, else 0 */
#define COND(jmp, ...)							\
	{ __VA_ARGS__, MOV64_IMM(0, 0), jmp, EXIT(), MOV64_IMM(0, 1), EXIT() }

static const struct isa_case alu_cases[] = {
	/* 1 */ { "add64", { MOV64_IMM(0, 1), ALU64_IMM(ADD, 0, 2), EXIT() }, 3 },
	/* 2 */ { "add64 wraps", { LD_IMM64(0, UINT64_MAX), ALU64_IMM(ADD, 0, 2), EXIT() }, 1 },
	/* 3 */ { "add32 wraps in 32 bits", { MOV64_IMM(0, -1), ALU32_IMM(ADD, 0, 1), EXIT() }, 0 },
	/* 4 */ { "alu32 zero-extends", { LD_IMM64(0, 0x1234567800000005ull),
			ALU32_IMM(ADD, 0, 0), EXIT() }, 5 },
	/* 5 */ { "mov32 imm -1", { MOV32_IMM(0, -1), EXIT() }, 0xffffffffull },
	/* 6 */ { "mov64 imm sign-extends", { MOV64_IMM(0, -1), EXIT() }, UINT64_MAX },
	/* 7 */ { "sub64 below zero", { MOV64_IMM(0, 3), ALU64_IMM(SUB, 0, 5), EXIT() },
			0xfffffffffffffffeull },
	/* 8 */ { "sub32 below zero", { MOV64_IMM(0, 3), ALU32_IMM(SUB, 0, 5), EXIT() },
			0xfffffffeull },
	/* 9 */ { "mul64", { LD_IMM64(0, 0x100000000ull), ALU64_IMM(MUL, 0, 3), EXIT() },
			0x300000000ull },
	/* 10 */ { "mul32 overflow", { MOV64_IMM(0, 0x10000), MOV64_IMM(1, 0x10000),
			ALU32_REG(MUL, 0, 1), EXIT() }, 0 },
	/* 11 */ { "div64 by zero reg", { MOV64_IMM(0, 7), MOV64_IMM(1, 0),
			ALU64_REG(DIV, 0, 1), EXIT() }, 0 },
	/* 12 */ { "div64 by zero imm", { MOV64_IMM(0, 7), ALU64_IMM(DIV, 0, 0), EXIT() }, 0 },
	/* 13 */ { "mod64 by zero keeps dst", { MOV64_IMM(0, 7), MOV64_IMM(1, 0),
			ALU64_REG(MOD, 0, 1), EXIT() }, 7 },
	/* 14 */ { "mod32 by zero zeroes upper", { LD_IMM64(0, 0x100000007ull),
			MOV64_IMM(1, 0), ALU32_REG(MOD, 0, 1), EXIT() }, 7 },
	/* 15 */ { "div32 by zero", { LD_IMM64(0, 0x100000007ull), MOV64_IMM(1, 0),
			ALU32_REG(DIV, 0, 1), EXIT() }, 0 },
	/* 16 */ { "div64 is unsigned", { LD_IMM64(0, 0x8000000000000000ull),
			ALU64_IMM(DIV, 0, 2), EXIT() }, 0x4000000000000000ull },
	/* 17 */ { "div64 imm -1 is 2^64-1", { MOV64_IMM(0, 10), ALU64_IMM(DIV, 0, -1), EXIT() }, 0 },
	/* 18 */ { "div32 imm -1 is 2^32-1", { MOV64_IMM(0, 10), ALU32_IMM(DIV, 0, -1), EXIT() }, 0 },
	/* 19 */ { "sdiv64 truncates", { MOV64_IMM(0, -7), SALU64_IMM(DIV, 0, 2), EXIT() },
			(uint64_t)-3 },
	/* 20 */ { "sdiv64 INT_MIN / -1", { LD_IMM64(0, 0x8000000000000000ull),
			MOV64_IMM(1, -1), SALU64_REG(DIV, 0, 1), EXIT() }, 0x8000000000000000ull },
	/* 21 */ { "smod64 INT_MIN % -1", { LD_IMM64(0, 0x8000000000000000ull),
			MOV64_IMM(1, -1), SALU64_REG(MOD, 0, 1), EXIT() }, 0 },
	/* 22 */ { "smod64 sign of dividend", { MOV64_IMM(0, -7), SALU64_IMM(MOD, 0, 2), EXIT() },
			(uint64_t)-1 },
	/* 23 */ { "smod64 by zero", { MOV64_IMM(0, -7), MOV64_IMM(1, 0),
			SALU64_REG(MOD, 0, 1), EXIT() }, (uint64_t)-7 },
	/* 24 */ { "sdiv32 INT_MIN / -1", { MOV32_IMM(0, INT32_MIN), SALU32_IMM(DIV, 0, -1),
			EXIT() }, 0x80000000ull },
	/* 25 */ { "smod32 negative", { MOV32_IMM(0, -7), SALU32_IMM(MOD, 0, 2), EXIT() },
			0xffffffffull },
	/* 26 */ { "sdiv32 by zero", { MOV64_IMM(0, 5), MOV64_IMM(1, 0),
			SALU32_REG(DIV, 0, 1), EXIT() }, 0 },
	/* 27 */ { "smod32 by zero", { LD_IMM64(0, 0xff000000fffffff9ull), MOV64_IMM(1, 0),
			SALU32_REG(MOD, 0, 1), EXIT() }, 0xfffffff9ull },
	/* 28 */ { "sdiv64 -7 / -2", { MOV64_IMM(0, -7), MOV64_IMM(1, -2),
			SALU64_REG(DIV, 0, 1), EXIT() }, 3 },
	/* 29 */ { "or64", { LD_IMM64(0, 0xff00ff00ff00ff00ull), ALU64_IMM(OR, 0, 0x0f), EXIT() },
			0xff00ff00ff00ff0full },
	/* 30 */ { "and32", { MOV64_IMM(0, -1), ALU32_IMM(AND, 0, 0xf0), EXIT() }, 0xf0 },
	/* 31 */ { "xor64 imm sign-extends", { MOV64_IMM(0, 0xff), ALU64_IMM(XOR, 0, -1), EXIT() },
			0xffffffffffffff00ull },
	/* 32 */ { "neg64", { MOV64_IMM(0, 5), NEG64(0), EXIT() }, (uint64_t)-5 },
	/* 33 */ { "neg32", { MOV64_IMM(0, 5), NEG32(0), EXIT() }, 0xfffffffbull },
	/* 34 */ { "neg64 INT_MIN", { LD_IMM64(0, 0x8000000000000000ull), NEG64(0), EXIT() },
			0x8000000000000000ull },
	/* 35 */ { "mov32 reg zero-extends", { MOV64_IMM(1, -1), MOV32_REG(0, 1), EXIT() },
			0xffffffffull },
	/* 36 */ { "mul64 reg", { MOV64_IMM(0, -3), MOV64_IMM(1, 7), ALU64_REG(MUL, 0, 1), EXIT() },
			(uint64_t)-21 },
};

static const struct isa_case shift_cases[] = {
	/* 1 */ { "lsh64 by 64 is by 0", { MOV64_IMM(0, 1), MOV64_IMM(1, 64),
			ALU64_REG(LSH, 0, 1), EXIT() }, 1 },
	/* 2 */ { "lsh64 by 65 is by 1", { MOV64_IMM(0, 1), MOV64_IMM(1, 65),
			ALU64_REG(LSH, 0, 1), EXIT() }, 2 },
	/* 3 */ { "lsh32 by 32 is by 0", { MOV64_IMM(0, 1), MOV64_IMM(1, 32),
			ALU32_REG(LSH, 0, 1), EXIT() }, 1 },
	/* 4 */ { "lsh32 by 31", { MOV64_IMM(0, 1), ALU32_IMM(LSH, 0, 31), EXIT() }, 0x80000000ull },
	/* 5 */ { "lsh32 drops bit 32", { MOV64_IMM(0, 1), ALU32_IMM(LSH, 0, 31),
			ALU32_IMM(LSH, 0, 1), EXIT() }, 0 },
	/* 6 */ { "rsh64 by 63", { LD_IMM64(0, 0x8000000000000000ull), ALU64_IMM(RSH, 0, 63),
			EXIT() }, 1 },
	/* 7 */ { "rsh32 ignores the upper half", { LD_IMM64(0, 0x180000000ull),
			ALU32_IMM(RSH, 0, 31), EXIT() }, 1 },
	/* 8 */ { "rsh64 imm 64 is by 0", { MOV64_IMM(0, 6), ALU64_IMM(RSH, 0, 64), EXIT() }, 6 },
	/* 9 */ { "arsh64 by 63", { LD_IMM64(0, 0x8000000000000000ull), ALU64_IMM(ARSH, 0, 63),
			EXIT() }, UINT64_MAX },
	/* 10 */ { "arsh32 zero-extends", { MOV32_IMM(0, INT32_MIN), ALU32_IMM(ARSH, 0, 31),
			EXIT() }, 0xffffffffull },
	/* 11 */ { "arsh64 by 65 is by 1", { MOV64_IMM(0, -8), MOV64_IMM(1, 65),
			ALU64_REG(ARSH, 0, 1), EXIT() }, (uint64_t)-4 },
	/* 12 */ { "arsh32 by 33 is by 1", { MOV32_IMM(0, -8), MOV64_IMM(1, 33),
			ALU32_REG(ARSH, 0, 1), EXIT() }, 0xfffffffcull },
	/* 13 */ { "rsh32 reg by 32 is by 0", { MOV32_IMM(0, -1), MOV64_IMM(1, 32),
			ALU32_REG(RSH, 0, 1), EXIT() }, 0xffffffffull },
};

static const struct isa_case ext_cases[] = {
	/* 1 */ { "movsx64 8", { MOV64_IMM(1, 0x80), MOVSX64(0, 1, 8), EXIT() },
			0xffffffffffffff80ull },
	/* 2 */ { "movsx64 16", { MOV64_IMM(1, 0x8000), MOVSX64(0, 1, 16), EXIT() },
			0xffffffffffff8000ull },
	/* 3 */ { "movsx64 32", { MOV32_IMM(1, INT32_MIN), MOVSX64(0, 1, 32), EXIT() },
			0xffffffff80000000ull },
	/* 4 */ { "movsx64 8 positive, upper bits ignored", { MOV64_IMM(1, 0x17f),
			MOVSX64(0, 1, 8), EXIT() }, 0x7f },
	/* 5 */ { "movsx32 8", { MOV64_IMM(1, 0x80), MOVSX32(0, 1, 8), EXIT() }, 0xffffff80ull },
	/* 6 */ { "movsx32 16", { MOV64_IMM(1, 0x8000), MOVSX32(0, 1, 16), EXIT() },
			0xffff8000ull },
	/* 7 */ { "movsx64 16 positive", { MOV64_IMM(1, 0x17fff), MOVSX64(0, 1, 16), EXIT() },
			0x7fff },
	/* 8 */ { "le16", { LD_IMM64(0, 0x1122334455667788ull), END_LE(0, 16), EXIT() }, 0x7788 },
	/* 9 */ { "le32", { LD_IMM64(0, 0x1122334455667788ull), END_LE(0, 32), EXIT() },
			0x55667788 },
	/* 10 */ { "le64", { LD_IMM64(0, 0x1122334455667788ull), END_LE(0, 64), EXIT() },
			0x1122334455667788ull },
	/* 11 */ { "be16", { LD_IMM64(0, 0x1122334455667788ull), END_BE(0, 16), EXIT() }, 0x8877 },
	/* 12 */ { "be32", { LD_IMM64(0, 0x1122334455667788ull), END_BE(0, 32), EXIT() },
			0x88776655 },
	/* 13 */ { "be64", { LD_IMM64(0, 0x1122334455667788ull), END_BE(0, 64), EXIT() },
			0x8877665544332211ull },
	/* 14 */ { "bswap16", { LD_IMM64(0, 0x1122334455667788ull), BSWAP(0, 16), EXIT() }, 0x8877 },
	/* 15 */ { "bswap32", { LD_IMM64(0, 0x1122334455667788ull), BSWAP(0, 32), EXIT() },
			0x88776655 },
	/* 16 */ { "bswap64", { LD_IMM64(0, 0x1122334455667788ull), BSWAP(0, 64), EXIT() },
			0x8877665544332211ull },
	/* 17 */ { "lddw both halves", { LD_IMM64(0, 0xdeadbeef00000001ull), EXIT() },
			0xdeadbeef00000001ull },
};

static const struct isa_case jmp_cases[] = {
	/* 1 */ { "jeq imm taken", COND(JMP_IMM(JEQ, 1, 5, 1), MOV64_IMM(1, 5)), 1 },
	/* 2 */ { "jeq imm not taken", COND(JMP_IMM(JEQ, 1, 6, 1), MOV64_IMM(1, 5)), 0 },
	/* 3 */ { "jgt is unsigned", COND(JMP_IMM(JGT, 1, 1, 1), MOV64_IMM(1, -1)), 1 },
	/* 4 */ { "jsgt is signed", COND(JMP_IMM(JSGT, 1, 1, 1), MOV64_IMM(1, -1)), 0 },
	/* 5 */ { "jeq sees 64 bits", COND(JMP_IMM(JEQ, 1, 0, 1), LD_IMM64(1, 0x100000000ull)), 0 },
	/* 6 */ { "jeq32 sees 32 bits", COND(JMP32_IMM(JEQ, 1, 0, 1),
			LD_IMM64(1, 0x100000000ull)), 1 },
	/* 7 */ { "jslt 64: 0x80000000 is positive", COND(JMP_IMM(JSLT, 1, 0, 1),
			MOV32_IMM(1, INT32_MIN)), 0 },
	/* 8 */ { "jslt32: 0x80000000 is negative", COND(JMP32_IMM(JSLT, 1, 0, 1),
			MOV32_IMM(1, INT32_MIN)), 1 },
	/* 9 */ { "jset miss", COND(JMP_IMM(JSET, 1, 1, 1), MOV64_IMM(1, 6)), 0 },
	/* 10 */ { "jset hit", COND(JMP_IMM(JSET, 1, 2, 1), MOV64_IMM(1, 6)), 1 },
	/* 11 */ { "jset32 ignores upper", COND(JMP32_REG(JSET, 1, 2, 1),
			LD_IMM64(1, 0x100000000ull), LD_IMM64(2, 0x100000000ull)), 0 },
	/* 12 */ { "jset64 sees upper", COND(JMP_REG(JSET, 1, 2, 1),
			LD_IMM64(1, 0x100000000ull), LD_IMM64(2, 0x100000000ull)), 1 },
	/* 13 */ { "jne reg", COND(JMP_REG(JNE, 1, 2, 1), MOV64_IMM(1, 1), MOV64_IMM(2, 2)), 1 },
	/* 14 */ { "jge reg equal", COND(JMP_REG(JGE, 1, 2, 1), MOV64_IMM(1, 2), MOV64_IMM(2, 2)), 1 },
	/* 15 */ { "jlt reg", COND(JMP_REG(JLT, 1, 2, 1), MOV64_IMM(1, 2), MOV64_IMM(2, -1)), 1 },
	/* 16 */ { "jle imm", COND(JMP_IMM(JLE, 1, 2, 1), MOV64_IMM(1, 3)), 0 },
	/* 17 */ { "jsge reg", COND(JMP_REG(JSGE, 1, 2, 1), MOV64_IMM(1, -1), MOV64_IMM(2, -1)), 1 },
	/* 18 */ { "jsle imm", COND(JMP_IMM(JSLE, 1, -2, 1), MOV64_IMM(1, -1)), 0 },
	/* 19 */ { "jslt reg", COND(JMP_REG(JSLT, 1, 2, 1), MOV64_IMM(1, -2), MOV64_IMM(2, -1)), 1 },
	/* 20 */ { "jgt32 reg", COND(JMP32_REG(JGT, 1, 2, 1), LD_IMM64(1, 0x100000001ull),
			MOV64_IMM(2, 2)), 0 },
	/* 21 */ { "jge32 imm -1", COND(JMP32_IMM(JGE, 1, -1, 1), MOV32_IMM(1, -1)), 1 },
	/* 22 */ { "jsgt32 reg", COND(JMP32_REG(JSGT, 1, 2, 1), MOV64_IMM(1, 1),
			MOV32_IMM(2, -1)), 1 },
	/* 23 */ { "jne32 imm", COND(JMP32_IMM(JNE, 1, 0, 1), LD_IMM64(1, 0x500000000ull)), 0 },
	/* 24 */ { "jsle32 reg", COND(JMP32_REG(JSLE, 1, 2, 1), MOV32_IMM(1, INT32_MIN),
			MOV64_IMM(2, 0)), 1 },
	/* 25 */ { "jle32 reg", COND(JMP32_REG(JLE, 1, 2, 1), MOV64_IMM(1, 3), MOV64_IMM(2, 3)), 1 },
	/* 26 */ { "jlt32 imm", COND(JMP32_IMM(JLT, 1, 3, 1), LD_IMM64(1, 0x700000002ull)), 1 },
	/* 27 */ { "jsge32 imm", COND(JMP32_IMM(JSGE, 1, 0, 1), MOV32_IMM(1, -5)), 0 },
	/* 28 */ { "jeq32 reg", COND(JMP32_REG(JEQ, 1, 2, 1), LD_IMM64(1, 0x300000009ull),
			MOV64_IMM(2, 9)), 1 },
	/* 29 */ { "ja forward", { MOV64_IMM(0, 3), JA(1), MOV64_IMM(0, 4), EXIT() }, 3 },
	/* 30 */ { "gotol (JMP32 JA, imm offset)", { MOV64_IMM(0, 1), JA32(1), MOV64_IMM(0, 2),
			EXIT() }, 1 },
	/* 31 */ { "backward loop sums 10..1", { MOV64_IMM(0, 0), MOV64_IMM(1, 10),
			ALU64_REG(ADD, 0, 1), ALU64_IMM(SUB, 1, 1), JMP_IMM(JNE, 1, 0, -3), EXIT() }, 55 },
	/* 32 */ { "jump over LD_IMM64", { MOV64_IMM(0, 1), JA(2), LD_IMM64(0, 7), EXIT() }, 1 },
	/* 33 */ { "jsgt imm sign-extends", COND(JMP_IMM(JSGT, 1, -1, 1), MOV64_IMM(1, 0)), 1 },
};

static const struct isa_case mem_cases[] = {
	/* 1 */ { "ldxdw", { LDX(DW, 0, 1, 0), EXIT() }, 0x1122334455667788ull },
	/* 2 */ { "ldxw", { LDX(W, 0, 1, 0), EXIT() }, 0x55667788 },
	/* 3 */ { "ldxh", { LDX(H, 0, 1, 0), EXIT() }, 0x7788 },
	/* 4 */ { "ldxb", { LDX(B, 0, 1, 0), EXIT() }, 0x88 },
	/* 5 */ { "ldxb negative offset", { MOV64_REG(2, 1), ALU64_IMM(ADD, 2, 9),
			LDX(B, 0, 2, -8), EXIT() }, 0x77 },
	/* 6 */ { "ldsxb", { LDSX(B, 0, 1, 0), EXIT() }, 0xffffffffffffff88ull },
	/* 7 */ { "ldsxb positive", { LDSX(B, 0, 1, 10), EXIT() }, 0x7f },
	/* 8 */ { "ldsxh positive", { LDSX(H, 0, 1, 0), EXIT() }, 0x7788 },
	/* 9 */ { "ldsxh negative", { LDSX(H, 0, 1, 8), EXIT() }, 0xffffffffffffff80ull },
	/* 10 */ { "ldsxw negative", { LDSX(W, 0, 1, 12), EXIT() }, 0xffffffff80fffffeull },
	/* 11 */ { "ldsxw positive", { LDSX(W, 0, 1, 0), EXIT() }, 0x55667788 },
	/* 12 */ { "stb", { ST(B, 1, 16, 0x1ff), LDX(DW, 0, 1, 16), EXIT() }, 0xff },
	/* 13 */ { "sth", { ST(H, 1, 17, -1), LDX(DW, 0, 1, 16), EXIT() }, 0xffff00 },
	/* 14 */ { "stw", { ST(W, 1, 16, -1), LDX(DW, 0, 1, 16), EXIT() }, 0xffffffffull },
	/* 15 */ { "stdw sign-extends imm", { ST(DW, 1, 16, -1), LDX(DW, 0, 1, 16), EXIT() },
			UINT64_MAX },
	/* 16 */ { "stxb truncates", { MOV64_IMM(2, 0x1234), STX(B, 1, 2, 24),
			LDX(DW, 0, 1, 24), EXIT() }, 0x34 },
	/* 17 */ { "stxh", { MOV64_IMM(2, 0x12345), STX(H, 1, 2, 24), LDX(DW, 0, 1, 24), EXIT() },
			0x2345 },
	/* 18 */ { "stxw", { MOV64_IMM(2, -1), STX(W, 1, 2, 28), LDX(DW, 0, 1, 24), EXIT() },
			0xffffffff00000000ull },
	/* 19 */ { "stxdw then stack reload", { LD_IMM64(2, 0x0102030405060708ull),
			STX(DW, 10, 2, -8), LDX(DW, 0, 10, -8), EXIT() }, 0x0102030405060708ull },
	/* 20 */ { "stack starts zeroed", { LDX(DW, 0, 10, -512), LDX(DW, 2, 10, -8),
			ALU64_REG(OR, 0, 2), EXIT() }, 0 },
	/* 21 */ { "unaligned ldxw", { LDX(W, 0, 1, 3), EXIT() }, 0x22334455 },
};

static const struct isa_case atomic_cases[] = {
	/* 1 */ { "add64", { ST(DW, 10, -8, 10), MOV64_IMM(1, 5), ATOMIC(DW, 10, 1, -8, VN_BPF_ADD),
			LDX(DW, 0, 10, -8), EXIT() }, 15 },
	/* 2 */ { "fetch add64 returns old", { ST(DW, 10, -8, 10), MOV64_IMM(1, 5),
			ATOMIC(DW, 10, 1, -8, VN_BPF_ADD | VN_BPF_FETCH), MOV64_REG(0, 1), EXIT() }, 10 },
	/* 3 */ { "fetch add32 zero-extends old", { ST(W, 10, -4, -1), MOV64_IMM(1, 1),
			ATOMIC(W, 10, 1, -4, VN_BPF_ADD | VN_BPF_FETCH), MOV64_REG(0, 1), EXIT() },
			0xffffffffull },
	/* 4 */ { "add32 wraps in memory", { ST(W, 10, -4, -1), ST(W, 10, -8, 0), MOV64_IMM(1, 1),
			ATOMIC(W, 10, 1, -4, VN_BPF_ADD), LDX(DW, 0, 10, -8), EXIT() }, 0 },
	/* 5 */ { "or64", { ST(DW, 10, -8, 0x10), MOV64_IMM(1, 0x01),
			ATOMIC(DW, 10, 1, -8, VN_BPF_OR), LDX(DW, 0, 10, -8), EXIT() }, 0x11 },
	/* 6 */ { "fetch or32", { ST(W, 10, -4, 0x10), MOV64_IMM(1, 0x01),
			ATOMIC(W, 10, 1, -4, VN_BPF_OR | VN_BPF_FETCH), LDX(W, 0, 10, -4),
			ALU64_IMM(LSH, 0, 8), ALU64_REG(OR, 0, 1), EXIT() }, 0x1110 },
	/* 7 */ { "and64", { ST(DW, 10, -8, 0x13), MOV64_IMM(1, 0x06),
			ATOMIC(DW, 10, 1, -8, VN_BPF_AND), LDX(DW, 0, 10, -8), EXIT() }, 0x02 },
	/* 8 */ { "fetch and32", { ST(W, 10, -4, 0x13), MOV64_IMM(1, 0x06),
			ATOMIC(W, 10, 1, -4, VN_BPF_AND | VN_BPF_FETCH), MOV64_REG(0, 1), EXIT() }, 0x13 },
	/* 9 */ { "xor32", { ST(W, 10, -4, 0x0f), MOV64_IMM(1, 0xff),
			ATOMIC(W, 10, 1, -4, VN_BPF_XOR), LDX(W, 0, 10, -4), EXIT() }, 0xf0 },
	/* 10 */ { "fetch xor64", { ST(DW, 10, -8, -1), MOV64_IMM(1, 1),
			ATOMIC(DW, 10, 1, -8, VN_BPF_XOR | VN_BPF_FETCH), LDX(DW, 0, 10, -8),
			ALU64_REG(ADD, 0, 1), EXIT() }, 0xfffffffffffffffdull },
	/* 11 */ { "xchg64", { ST(DW, 10, -8, 7), MOV64_IMM(1, 9),
			ATOMIC(DW, 10, 1, -8, VN_BPF_XCHG), LDX(DW, 0, 10, -8), ALU64_IMM(LSH, 1, 8),
			ALU64_REG(OR, 0, 1), EXIT() }, 0x709 },
	/* 12 */ { "xchg32", { ST(W, 10, -4, -1), MOV64_IMM(1, 9),
			ATOMIC(W, 10, 1, -4, VN_BPF_XCHG), LDX(W, 0, 10, -4), ALU64_IMM(LSH, 0, 32),
			ALU64_REG(OR, 0, 1), EXIT() }, 0x9ffffffffull },
	/* 13 */ { "cmpxchg64 success", { ST(DW, 10, -8, 7), MOV64_IMM(0, 7), MOV64_IMM(1, 9),
			ATOMIC(DW, 10, 1, -8, VN_BPF_CMPXCHG), LDX(DW, 2, 10, -8), ALU64_IMM(LSH, 0, 8),
			ALU64_REG(OR, 0, 2), EXIT() }, 0x709 },
	/* 14 */ { "cmpxchg64 failure", { ST(DW, 10, -8, 7), MOV64_IMM(0, 6), MOV64_IMM(1, 9),
			ATOMIC(DW, 10, 1, -8, VN_BPF_CMPXCHG), LDX(DW, 2, 10, -8), ALU64_IMM(LSH, 0, 8),
			ALU64_REG(OR, 0, 2), EXIT() }, 0x707 },
	/* 15 */ { "cmpxchg32 compares low half, zero-extends r0", { ST(W, 10, -4, 7),
			LD_IMM64(0, 0xffffffff00000007ull), MOV64_IMM(1, 9),
			ATOMIC(W, 10, 1, -4, VN_BPF_CMPXCHG), LDX(W, 2, 10, -4), ALU64_IMM(LSH, 0, 8),
			ALU64_REG(OR, 0, 2), EXIT() }, 0x709 },
	/* 16 */ { "cmpxchg32 failure loads old", { ST(W, 10, -4, -2), MOV64_IMM(0, 0),
			MOV64_IMM(1, 9), ATOMIC(W, 10, 1, -4, VN_BPF_CMPXCHG), EXIT() }, 0xfffffffeull },
	/* 17 */ { "atomic on the r1 buffer", { MOV64_IMM(2, 1),
			ATOMIC(DW, 1, 2, 0, VN_BPF_ADD | VN_BPF_FETCH), LDX(DW, 0, 1, 0),
			ALU64_REG(SUB, 0, 2), EXIT() }, 1 },
};

static const struct isa_case call_cases[] = {
	/* 1 */ { "local call with argument", { MOV64_IMM(1, 5), CALL_LOCAL(2),
			ALU64_IMM(ADD, 0, 1), EXIT(), MOV64_REG(0, 1), ALU64_IMM(MUL, 0, 3), EXIT() }, 16 },
	/* 2 */ { "r6-r9 survive a call", { MOV64_IMM(6, 7), CALL_LOCAL(2), ALU64_REG(ADD, 0, 6),
			EXIT(), MOV64_IMM(6, 100), MOV64_IMM(0, 1), EXIT() }, 8 },
	/* 3 */ { "callee reads the caller's stack, has its own frame", { ST(DW, 10, -8, 40),
			MOV64_REG(1, 10), ALU64_IMM(ADD, 1, -8), CALL_LOCAL(3), LDX(DW, 2, 10, -8),
			ALU64_REG(ADD, 0, 2), EXIT(),
			LDX(DW, 0, 1, 0), ST(DW, 10, -8, 1), ALU64_IMM(ADD, 0, 2), EXIT() }, 82 },
	/* 4 */ { "helper 1 adds its arguments", { MOV64_IMM(1, 3), MOV64_IMM(2, 4),
			MOV64_IMM(3, 5), MOV64_IMM(4, 6), MOV64_IMM(5, 7), CALL(1), EXIT() }, 25 },
	/* 5 */ { "nested calls, 3 deep", { CALL_LOCAL(1), EXIT(),
			CALL_LOCAL(2), ALU64_IMM(ADD, 0, 10), EXIT(),
			MOV64_IMM(0, 1), EXIT() }, 11 },
	/* 6 */ { "a new frame is zeroed, not the last callee's bytes", { CALL_LOCAL(2),
			CALL_LOCAL(4), EXIT(),
			ST(DW, 10, -8, 99), MOV64_IMM(0, 0), EXIT(),
			LDX(DW, 0, 10, -8), EXIT() }, 0 },
	/* 7 */ { "callx: the register names helper 1", { MOV64_IMM(6, 1), MOV64_IMM(1, 30),
			MOV64_IMM(2, 12), MOV64_IMM(3, 0), MOV64_IMM(4, 0), MOV64_IMM(5, 0),
			CALLX(6), EXIT() }, 42 },
	/* 8 */ { "a callee's loop is charged and ends", { MOV64_IMM(1, 50), CALL_LOCAL(2),
			ALU64_IMM(ADD, 0, 1), EXIT(), MOV64_IMM(0, 0), ALU64_IMM(ADD, 0, 2),
			ALU64_IMM(SUB, 1, 1), JMP_IMM(JNE, 1, 0, -3), EXIT() }, 101 },
};

static uint64_t helper_sum(struct vn_bpf_run_ctx *rc, uint64_t r1, uint64_t r2,
			   uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)rc;
	return r1 + r2 + r3 + r4 + r5;
}

static const vn_bpf_helper_fn isa_helpers[] = { NULL, helper_sum };

/* the three ways every case runs: interpreter, JIT, JIT with blinded constants */
static const struct engine {
	const char *name;
	unsigned int flags;
	int jit;
} engines[] = {
	{ "interp", VN_BPF_F_INTERP, 0 },
	{ "jit", 0, 1 },
	{ "jit-hardened", VN_BPF_F_HARDEN, 1 },
};

/* run_one() - load and run case @c in engine @e; r0, err and memory out */
static uint64_t run_one(const struct isa_case *c, const struct engine *e, uint8_t *mem,
			int *err, const char *table, size_t i)
{
	struct vn_bpf_env env = { .helpers = isa_helpers, .nhelpers = 2, .flags = e->flags };
	static struct vn_bpf_run_ctx rc;
	struct vn_bpf_prog *p;
	char log[256];
	uint64_t r0;
	int lerr, slot;

	memcpy(mem, isa_mem_init, sizeof(isa_mem_init));
	lerr = vn_bpf_prog_load(c->prog, asm_len(c->prog, MAXP), &env, &p, log, sizeof(log));
	if (lerr)
		fail_msg("%s %zu (%s): rejected: %s", table, i + 1, c->name, log);
	if (vn_bpf_prog_jited(p) != (e->jit && vn_bpf_jit_supported()))
		fail_msg("%s %zu (%s): %s engine not used", table, i + 1, c->name, e->name);
	/* a dirty stack (from anything before init) must not show through */
	memset(rc.stack, 0xa5, sizeof(rc.stack));
	vn_bpf_run_ctx_init(&rc, NULL);
	slot = vn_bpf_run_ctx_add_region(&rc, mem, sizeof(isa_mem_init), 1);
	assert_true(slot > 0);
	r0 = vn_bpf_run(p, &rc, VN_BPF_VA(slot, 0), err);
	vn_bpf_prog_free(p);
	return r0;
}

/* run_table() - every case in every engine: the expected r0, equal memory */
static void run_table(const struct isa_case *cases, size_t ncases, const char *table)
{
	size_t i, k;

	for (i = 0; i < ncases; i++) {
		const struct isa_case *c = &cases[i];
		uint8_t mem[sizeof(engines) / sizeof(engines[0])][sizeof(isa_mem_init)];

		for (k = 0; k < sizeof(engines) / sizeof(engines[0]); k++) {
			uint64_t r0;
			int err;

			r0 = run_one(c, &engines[k], mem[k], &err, table, i);
			if (err || r0 != c->want)
				fail_msg("%s %zu (%s) [%s]: r0 0x%llx err %d, want 0x%llx",
					 table, i + 1, c->name, engines[k].name,
					 (unsigned long long)r0, err,
					 (unsigned long long)c->want);
			if (k && memcmp(mem[k], mem[0], sizeof(mem[0])))
				fail_msg("%s %zu (%s) [%s]: memory differs from the interpreter",
					 table, i + 1, c->name, engines[k].name);
		}
	}
}

#define TABLE_TEST(t)							\
	static void test_vm_isa_##t(void **state)			\
	{								\
		(void)state;						\
		run_table(t##_cases, sizeof(t##_cases) / sizeof(t##_cases[0]), #t); \
	}
TABLE_TEST(alu)
TABLE_TEST(shift)
TABLE_TEST(ext)
TABLE_TEST(jmp)
TABLE_TEST(mem)
TABLE_TEST(atomic)
TABLE_TEST(call)

/* shared by the threads below: one program, one counter region, own contexts */
static struct vn_bpf_prog *thread_prog;
static uint64_t thread_counter[2] __attribute__((aligned(8)));

static void *thread_runner(void *arg)
{
	static struct vn_bpf_run_ctx rcs[2];
	struct vn_bpf_run_ctx *rc = &rcs[(uintptr_t)arg];
	int i, err, slot;

	vn_bpf_run_ctx_init(rc, NULL);
	slot = vn_bpf_run_ctx_add_region(rc, thread_counter, sizeof(thread_counter), 1);
	if (slot < 0)
		return (void *)1;
	for (i = 0; i < 20000; i++) {
		vn_bpf_run(thread_prog, rc, VN_BPF_VA(slot, 0), &err);
		if (err)
			return (void *)1;
	}
	return NULL;
}

static void test_vm_isa_atomics_across_threads(void **state)
{
	/* 64-bit add of 1 and 32-bit fetch-add of 3, each run: no update may be lost */
	const struct vn_bpf_insn prog[] = {
		MOV64_IMM(2, 1), ATOMIC(DW, 1, 2, 0, VN_BPF_ADD),
		MOV64_IMM(2, 3), ATOMIC(W, 1, 2, 8, VN_BPF_ADD | VN_BPF_FETCH),
		MOV64_IMM(0, 0), EXIT(),
	};
	pthread_t t[2];
	void *ret;
	uintptr_t i;

	(void)state;
	assert_int_equal(vn_bpf_prog_load(prog, sizeof(prog) / sizeof(prog[0]), NULL,
					  &thread_prog, NULL, 0), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_runner, (void *)i), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(thread_counter[0], 40000);
	assert_int_equal((uint32_t)thread_counter[1], 120000);
	vn_bpf_prog_free(thread_prog);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_isa_alu),
		cmocka_unit_test(test_vm_isa_shift),
		cmocka_unit_test(test_vm_isa_ext),
		cmocka_unit_test(test_vm_isa_jmp),
		cmocka_unit_test(test_vm_isa_mem),
		cmocka_unit_test(test_vm_isa_atomic),
		cmocka_unit_test(test_vm_isa_call),
		cmocka_unit_test(test_vm_isa_atomics_across_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
