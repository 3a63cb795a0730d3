/* SPDX-License-Identifier: MIT */
/* bpf_asm.h - tiny assembler macros for hand-written eBPF test programs
 *
 * Each macro is one instruction slot (LD_IMM64 is two, comma-separated), so
 * programs read like assembly inside an array initialiser.
 */
#ifndef VN_TESTS_BPF_ASM_H
#define VN_TESTS_BPF_ASM_H

#include <stddef.h>

#include "bpf/insn.h"

#define I(c, d, s, o, i)	VN_BPF_INSN((c), (d), (s), (o), (i))

#define ALU64_IMM(op, d, i)	I(VN_BPF_ALU64 | VN_BPF_K | VN_BPF_##op, d, 0, 0, i)
#define ALU64_REG(op, d, s)	I(VN_BPF_ALU64 | VN_BPF_X | VN_BPF_##op, d, s, 0, 0)
#define ALU32_IMM(op, d, i)	I(VN_BPF_ALU | VN_BPF_K | VN_BPF_##op, d, 0, 0, i)
#define ALU32_REG(op, d, s)	I(VN_BPF_ALU | VN_BPF_X | VN_BPF_##op, d, s, 0, 0)
/* signed division / remainder: offset 1 */
#define SALU64_IMM(op, d, i)	I(VN_BPF_ALU64 | VN_BPF_K | VN_BPF_##op, d, 0, 1, i)
#define SALU64_REG(op, d, s)	I(VN_BPF_ALU64 | VN_BPF_X | VN_BPF_##op, d, s, 1, 0)
#define SALU32_IMM(op, d, i)	I(VN_BPF_ALU | VN_BPF_K | VN_BPF_##op, d, 0, 1, i)
#define SALU32_REG(op, d, s)	I(VN_BPF_ALU | VN_BPF_X | VN_BPF_##op, d, s, 1, 0)
#define MOV64_IMM(d, i)		ALU64_IMM(MOV, d, i)
#define MOV64_REG(d, s)		ALU64_REG(MOV, d, s)
#define MOV32_IMM(d, i)		ALU32_IMM(MOV, d, i)
#define MOV32_REG(d, s)		ALU32_REG(MOV, d, s)
#define MOVSX64(d, s, w)	I(VN_BPF_ALU64 | VN_BPF_X | VN_BPF_MOV, d, s, w, 0)
#define MOVSX32(d, s, w)	I(VN_BPF_ALU | VN_BPF_X | VN_BPF_MOV, d, s, w, 0)
#define NEG64(d)		I(VN_BPF_ALU64 | VN_BPF_NEG, d, 0, 0, 0)
#define NEG32(d)		I(VN_BPF_ALU | VN_BPF_NEG, d, 0, 0, 0)
#define END_LE(d, w)		I(VN_BPF_ALU | VN_BPF_END | VN_BPF_TO_LE, d, 0, 0, w)
#define END_BE(d, w)		I(VN_BPF_ALU | VN_BPF_END | VN_BPF_TO_BE, d, 0, 0, w)
#define BSWAP(d, w)		I(VN_BPF_ALU64 | VN_BPF_END, d, 0, 0, w)

#define LD_IMM64(d, v)							\
	I(VN_BPF_LD_IMM64, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)),	\
	I(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define LD_MAP(d, pseudo, idx, off)					\
	I(VN_BPF_LD_IMM64, d, pseudo, 0, idx), I(0, 0, 0, 0, off)

#define LDX(sz, d, s, o)	I(VN_BPF_LDX | VN_BPF_MEM | VN_BPF_##sz, d, s, o, 0)
#define LDSX(sz, d, s, o)	I(VN_BPF_LDX | VN_BPF_MEMSX | VN_BPF_##sz, d, s, o, 0)
#define ST(sz, d, o, i)		I(VN_BPF_ST | VN_BPF_MEM | VN_BPF_##sz, d, 0, o, i)
#define STX(sz, d, s, o)	I(VN_BPF_STX | VN_BPF_MEM | VN_BPF_##sz, d, s, o, 0)
#define ATOMIC(sz, d, s, o, op)	I(VN_BPF_STX | VN_BPF_ATOMIC | VN_BPF_##sz, d, s, o, op)

#define JMP_IMM(op, d, i, o)	I(VN_BPF_JMP | VN_BPF_K | VN_BPF_##op, d, 0, o, i)
#define JMP_REG(op, d, s, o)	I(VN_BPF_JMP | VN_BPF_X | VN_BPF_##op, d, s, o, 0)
#define JMP32_IMM(op, d, i, o)	I(VN_BPF_JMP32 | VN_BPF_K | VN_BPF_##op, d, 0, o, i)
#define JMP32_REG(op, d, s, o)	I(VN_BPF_JMP32 | VN_BPF_X | VN_BPF_##op, d, s, o, 0)
#define JA(o)			I(VN_BPF_JMP | VN_BPF_JA, 0, 0, o, 0)
#define JA32(i)			I(VN_BPF_JMP32 | VN_BPF_JA, 0, 0, 0, i)
#define CALL(id)		I(VN_BPF_JMP | VN_BPF_CALL, 0, VN_BPF_CALL_HELPER, 0, id)
#define CALL_LOCAL(rel)		I(VN_BPF_JMP | VN_BPF_CALL, 0, VN_BPF_CALL_LOCAL, 0, rel)
#define CALLX(reg)		I(VN_BPF_JMP | VN_BPF_X | VN_BPF_CALL, reg, 0, 0, 0)
#define EXIT()			I(VN_BPF_JMP | VN_BPF_EXIT, 0, 0, 0, 0)

/**
 * asm_len() - Instructions in a program written into a fixed table slot
 * @prog:	the slot
 * @max:	its size in instructions
 *
 * Return: @max less the all-zero slots at the end (the initialiser's padding)
 */
static inline size_t asm_len(const struct vn_bpf_insn *prog, size_t max)
{
	size_t n = max;

	while (n && !prog[n - 1].code && !prog[n - 1].imm && !prog[n - 1].off &&
	       !prog[n - 1].dst && !prog[n - 1].src)
		n--;
	return n;
}

#endif /* VN_TESTS_BPF_ASM_H */
