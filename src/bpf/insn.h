/* SPDX-License-Identifier: MIT */
/* insn.h - eBPF instruction encoding: the 8-byte instruction and its opcode fields
 *
 * The layout and the opcode values are those of RFC 9669 ("BPF Instruction
 * Set Architecture"); the names are vnetd's own (VN_BPF_*). An opcode byte
 * is class (3 low bits) | source or size (bit 3 or bits 3-4) | operation or
 * mode (high bits). Little-endian hosts only, like the rest of vnetd.
 */
#ifndef VN_BPF_INSN_H
#define VN_BPF_INSN_H

#include <stdint.h>

/**
 * struct vn_bpf_insn - one eBPF instruction (RFC 9669 section 3)
 * @code:	opcode: class | source/size | operation/mode
 * @dst:	destination register (0-10)
 * @src:	source register (0-10), or a pseudo-source for CALL and LD_IMM64
 * @off:	signed offset: jump distance, memory offset, or an opcode
 *		modifier (signed div/mod, sign-extending mov)
 * @imm:	signed 32-bit immediate
 */
struct vn_bpf_insn {
	uint8_t code;
	uint8_t dst:4;
	uint8_t src:4;
	int16_t off;
	int32_t imm;
};

_Static_assert(sizeof(struct vn_bpf_insn) == 8, "eBPF instructions are 8 bytes");

/* Instruction classes (RFC 9669 3.3) */
#define VN_BPF_CLASS(code)	((code) & 0x07)
#define VN_BPF_LD		0x00
#define VN_BPF_LDX		0x01
#define VN_BPF_ST		0x02
#define VN_BPF_STX		0x03
#define VN_BPF_ALU		0x04
#define VN_BPF_JMP		0x05
#define VN_BPF_JMP32		0x06
#define VN_BPF_ALU64		0x07

/* Source operand of ALU and JMP (bit 3) */
#define VN_BPF_SRCBIT(code)	((code) & 0x08)
#define VN_BPF_K		0x00	/* use imm */
#define VN_BPF_X		0x08	/* use the src register */

/* ALU operations (RFC 9669 4.1), high nibble */
#define VN_BPF_OP(code)		((code) & 0xf0)
#define VN_BPF_ADD		0x00
#define VN_BPF_SUB		0x10
#define VN_BPF_MUL		0x20
#define VN_BPF_DIV		0x30	/* off 1: signed (SDIV) */
#define VN_BPF_OR		0x40
#define VN_BPF_AND		0x50
#define VN_BPF_LSH		0x60
#define VN_BPF_RSH		0x70
#define VN_BPF_NEG		0x80
#define VN_BPF_MOD		0x90	/* off 1: signed (SMOD) */
#define VN_BPF_XOR		0xa0
#define VN_BPF_MOV		0xb0	/* off 8/16/32: sign-extending (MOVSX) */
#define VN_BPF_ARSH		0xc0
#define VN_BPF_END		0xd0	/* byte swap; imm = 16, 32 or 64 */

/* END direction, in the source bit (ALU class only; ALU64 END is BSWAP) */
#define VN_BPF_TO_LE		0x00
#define VN_BPF_TO_BE		0x08

/* Jump operations (RFC 9669 4.3), high nibble */
#define VN_BPF_JA		0x00	/* JMP32 class: 32-bit offset in imm */
#define VN_BPF_JEQ		0x10
#define VN_BPF_JGT		0x20
#define VN_BPF_JGE		0x30
#define VN_BPF_JSET		0x40
#define VN_BPF_JNE		0x50
#define VN_BPF_JSGT		0x60
#define VN_BPF_JSGE		0x70
#define VN_BPF_CALL		0x80
#define VN_BPF_EXIT		0x90
#define VN_BPF_JLT		0xa0
#define VN_BPF_JLE		0xb0
#define VN_BPF_JSLT		0xc0
#define VN_BPF_JSLE		0xd0

/* CALL pseudo-sources (src field) */
#define VN_BPF_CALL_HELPER	0	/* imm = helper id */
#define VN_BPF_CALL_LOCAL	1	/* imm = pc-relative instruction offset */
#define VN_BPF_CALL_KFUNC	2	/* imm = BTF id: not supported */

/* Load/store size (bits 3-4) and mode (bits 5-7) (RFC 9669 5.1) */
#define VN_BPF_SIZE(code)	((code) & 0x18)
#define VN_BPF_W		0x00
#define VN_BPF_H		0x08
#define VN_BPF_B		0x10
#define VN_BPF_DW		0x18
#define VN_BPF_MODE(code)	((code) & 0xe0)
#define VN_BPF_IMM		0x00
#define VN_BPF_ABS		0x20	/* legacy packet access: rejected */
#define VN_BPF_IND		0x40	/* legacy packet access: rejected */
#define VN_BPF_MEM		0x60
#define VN_BPF_MEMSX		0x80
#define VN_BPF_ATOMIC		0xc0

/* Atomic operations, in imm (RFC 9669 5.3) */
#define VN_BPF_FETCH		0x01
#define VN_BPF_XCHG		(0xe0 | VN_BPF_FETCH)
#define VN_BPF_CMPXCHG		(0xf0 | VN_BPF_FETCH)

/* LD_IMM64 (opcode 0x18, two slots) pseudo-sources (RFC 9669 5.4) */
#define VN_BPF_LD_IMM64		(VN_BPF_LD | VN_BPF_IMM | VN_BPF_DW)
#define VN_BPF_PSEUDO_IMM64	0	/* dst = next_imm << 32 | imm */
#define VN_BPF_PSEUDO_MAP_FD	1	/* dst = map(imm) */
#define VN_BPF_PSEUDO_MAP_VALUE	2	/* dst = value address of map(imm) + next_imm */
#define VN_BPF_PSEUDO_VAR_ADDR	3	/* not supported */
#define VN_BPF_PSEUDO_CODE_ADDR	4	/* not supported */
#define VN_BPF_PSEUDO_MAP_IDX	5	/* like MAP_FD, by index */
#define VN_BPF_PSEUDO_MAP_IDX_VALUE 6	/* like MAP_VALUE, by index */

/* Registers */
#define VN_BPF_NREGS		11	/* r0-r10 */
#define VN_BPF_REG_FP		10	/* read-only frame pointer */

/* Helpers to build instructions (tests, the loader, the runner) */
#define VN_BPF_INSN(c, d, s, o, i)					\
	((struct vn_bpf_insn){ .code = (c), .dst = (d), .src = (s),	\
			       .off = (o), .imm = (i) })

#endif /* VN_BPF_INSN_H */
